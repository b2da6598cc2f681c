/**
 * Run results from `prosepy/runResult`: values and exceptions drawn at the end of their lines
 * in theme colours, and the full output (stdout, stderr, traceback) in an output channel.
 *
 * Results belong to lines, as on the server: a new run replaces the results on the lines it
 * covered, an edit that touches a result's line drops it, and edits above move it.
 */
import * as vscode from "vscode";
import { RunResult } from "./protocol";

const MAX_INLINE = 120;

function clip(text: string): string {
  const one = text.replace(/\s*\n\s*/g, " ⏎ ").trim();
  return one.length > MAX_INLINE ? `${one.slice(0, MAX_INLINE - 1)}…` : one;
}

interface Entry {
  line: number;
  kind: "value" | "printed" | "error";
  /** What is drawn after the line. */
  label: string;
  /** The server's own text for the line (what its inlay hint would show). */
  serverText?: string;
  hover?: vscode.MarkdownString;
}

export class RunResults implements vscode.Disposable {
  readonly output: vscode.OutputChannel;
  private readonly valueType: vscode.TextEditorDecorationType;
  private readonly errorType: vscode.TextEditorDecorationType;
  private readonly entries = new Map<string, Entry[]>();
  private readonly disposables: vscode.Disposable[] = [];
  private drawInline = true;

  constructor() {
    this.output = vscode.window.createOutputChannel("prosepy: Run Output");
    const after = { margin: "0 0 0 1.5em", fontStyle: "italic" };
    this.valueType = vscode.window.createTextEditorDecorationType({
      after: { ...after, color: new vscode.ThemeColor("prosepy.inlineValueForeground") },
    });
    this.errorType = vscode.window.createTextEditorDecorationType({
      after: { ...after, color: new vscode.ThemeColor("prosepy.inlineErrorForeground") },
    });
    this.disposables.push(
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => this.paint(e))),
      vscode.workspace.onDidCloseTextDocument((doc) => this.clear(doc.uri)),
      vscode.workspace.onDidChangeTextDocument((e) => this.edited(e)),
    );
  }

  /** Show one run's result; returns true when the output channel should be revealed. */
  show(result: RunResult, drawInline: boolean): boolean {
    this.drawInline = drawInline;
    this.writeOutput(result);
    const uri = vscode.Uri.parse(result.uri).toString();
    const first = result.range?.firstLine ?? 0;
    const last = result.range?.lastLine ?? Number.MAX_SAFE_INTEGER;
    const kept = (this.entries.get(uri) ?? []).filter((e) => e.line < first || e.line > last);
    const fresh: Entry[] = [];
    const errorLine = result.error?.line ?? undefined;
    for (const item of result.lines ?? []) {
      if (item.line === errorLine) {
        continue;
      }
      const text = clip(item.text);
      fresh.push({
        line: item.line,
        kind: "value",
        label: text.startsWith("→") ? text : `→ ${text}`,
        serverText: item.text.trim(),
      });
    }
    const printed = (result.stdout ?? "").trimEnd().split("\n").pop() ?? "";
    if (!fresh.length && !result.error && printed && result.range) {
      // output but no value: show the last printed line at the end of the run, as a terminal would
      fresh.push({ line: result.range.lastLine, kind: "printed", label: `⤷ ${clip(printed)}` });
    }
    // an error outside the code (cancelled, timed out, killed) goes at the end of the run
    const errorAt = errorLine ?? result.range?.lastLine;
    if (result.error && errorAt != null) {
      const text = `✗ ${result.error.type}: ${result.error.message}`;
      const hover = new vscode.MarkdownString();
      hover.appendCodeblock(result.error.traceback || text, "text");
      fresh.push({ line: errorAt, kind: "error", label: clip(text), hover });
    }
    this.entries.set(uri, [...kept, ...fresh]);
    this.repaint(uri);
    return !result.ok || Boolean(result.stderr);
  }

  /** True when a decoration already shows ``label`` at the end of ``line`` (an inlay hint would repeat it). */
  drawn(uri: vscode.Uri, line: number, label: string): boolean {
    if (!this.drawInline) {
      return false;
    }
    const entries = this.entries.get(uri.toString()) ?? [];
    return entries.some((e) => e.line === line && e.serverText !== undefined && e.serverText === label.trim());
  }

  clear(uri?: vscode.Uri): void {
    if (uri) {
      this.entries.delete(uri.toString());
    } else {
      this.entries.clear();
    }
    vscode.window.visibleTextEditors.forEach((e) => this.paint(e));
  }

  /** Drop results on edited lines and move the ones below by the lines added or removed. */
  private edited(event: vscode.TextDocumentChangeEvent): void {
    const uri = event.document.uri.toString();
    let entries = this.entries.get(uri);
    if (!entries?.length || !event.contentChanges.length) {
      return;
    }
    for (const change of event.contentChanges) {
      const start = change.range.start.line;
      const end = change.range.end.line;
      const delta = (change.text.match(/\n/g)?.length ?? 0) - (end - start);
      // Enter at the end of a line leaves that line as it was
      const keepsStart =
        change.range.isEmpty &&
        change.text.startsWith("\n") &&
        start < event.document.lineCount &&
        change.range.start.character === event.document.lineAt(start).text.length;
      entries = entries
        .filter((e) => e.line < start || e.line > end || (keepsStart && e.line === start))
        .map((e) => (e.line > end ? { ...e, line: e.line + delta } : e));
    }
    this.entries.set(uri, entries);
    this.repaint(uri);
  }

  private repaint(uri: string): void {
    vscode.window.visibleTextEditors.filter((e) => e.document.uri.toString() === uri).forEach((e) => this.paint(e));
  }

  private paint(editor: vscode.TextEditor): void {
    const doc = editor.document;
    const entries = this.drawInline ? (this.entries.get(doc.uri.toString()) ?? []) : [];
    const options = (kinds: Entry["kind"][]): vscode.DecorationOptions[] =>
      entries
        .filter((e) => kinds.includes(e.kind) && e.line < doc.lineCount)
        .map((e) => {
          const end = doc.lineAt(e.line).range.end;
          return {
            range: new vscode.Range(end, end),
            hoverMessage: e.hover,
            renderOptions: { after: { contentText: e.label } },
          };
        });
    editor.setDecorations(this.valueType, options(["value", "printed"]));
    editor.setDecorations(this.errorType, options(["error"]));
  }

  private writeOutput(result: RunResult): void {
    const name = vscode.Uri.parse(result.uri).path.split("/").pop() ?? result.uri;
    const took = result.durationMs != null ? ` in ${Math.round(result.durationMs)} ms` : "";
    const outcome = result.ok ? "ok" : `failed: ${result.error?.type ?? "error"}`;
    const stamp = new Date().toLocaleTimeString();
    this.output.appendLine(`── ${stamp} ${name}: ${outcome}${took} ──`);
    if (result.sessionRestarted) {
      this.output.appendLine("(the run session was restarted: earlier variables are gone)");
    }
    if (result.layers?.length) {
      this.output.appendLine(`sandbox: ${result.layers.join(", ")}${result.strength ? ` (${result.strength})` : ""}`);
    }
    for (const item of result.lines ?? []) {
      this.output.appendLine(`line ${item.line + 1}: ${item.text}`);
    }
    if (result.stdout) {
      this.output.append(result.stdout.endsWith("\n") ? result.stdout : `${result.stdout}\n`);
    }
    if (result.stderr) {
      this.output.appendLine("[stderr]");
      this.output.append(result.stderr.endsWith("\n") ? result.stderr : `${result.stderr}\n`);
    }
    if (result.error) {
      this.output.appendLine(result.error.traceback || `${result.error.type}: ${result.error.message}`);
    }
  }

  dispose(): void {
    this.valueType.dispose();
    this.errorType.dispose();
    this.output.dispose();
    this.disposables.forEach((d) => void d.dispose());
  }
}
