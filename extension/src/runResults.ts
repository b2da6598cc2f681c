/**
 * Run results from `prosepy/runResult`: values and exceptions drawn at the end of their lines
 * in theme colours, and the full output (stdout, stderr, traceback) in an output channel.
 */
import * as vscode from "vscode";
import { RunResult } from "./protocol";

const MAX_INLINE = 120;

function clip(text: string): string {
  const one = text.replace(/\s*\n\s*/g, " ⏎ ").trim();
  return one.length > MAX_INLINE ? `${one.slice(0, MAX_INLINE - 1)}…` : one;
}

export class RunResults implements vscode.Disposable {
  readonly output: vscode.OutputChannel;
  private readonly valueType: vscode.TextEditorDecorationType;
  private readonly errorType: vscode.TextEditorDecorationType;
  private readonly byUri = new Map<string, { values: vscode.DecorationOptions[]; errors: vscode.DecorationOptions[] }>();
  private readonly disposables: vscode.Disposable[] = [];
  /** uri -> line -> the value text the server sent (what its inlay hint shows). */
  private readonly texts = new Map<string, Map<number, string>>();

  constructor() {
    this.output = vscode.window.createOutputChannel("prosepy: Run Output");
    const after = { margin: "0 0 0 1.5em", fontStyle: "italic" };
    this.valueType = vscode.window.createTextEditorDecorationType({
      after: { ...after, color: new vscode.ThemeColor("prosepy.inlineValueForeground") },
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
    this.errorType = vscode.window.createTextEditorDecorationType({
      after: { ...after, color: new vscode.ThemeColor("prosepy.inlineErrorForeground") },
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
    this.disposables.push(
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => this.paint(e))),
      vscode.workspace.onDidCloseTextDocument((doc) => this.clear(doc.uri)),
    );
  }

  /** Show one run's result; returns true when the output channel should be revealed. */
  show(result: RunResult, drawInline: boolean): boolean {
    this.writeOutput(result);
    const uri = vscode.Uri.parse(result.uri).toString();
    const values: vscode.DecorationOptions[] = [];
    const errors: vscode.DecorationOptions[] = [];
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
    const lineEnd = (line: number): vscode.Range | undefined => {
      if (!doc || line < 0 || line >= doc.lineCount) {
        return undefined;
      }
      const end = doc.lineAt(line).range.end;
      return new vscode.Range(end, end);
    };
    const errorLine = result.error?.line ?? undefined;
    for (const item of result.lines ?? []) {
      const range = lineEnd(item.line);
      if (!range || item.line === errorLine) {
        continue;
      }
      const text = clip(item.text);
      values.push({ range, renderOptions: { after: { contentText: text.startsWith("→") ? text : `→ ${text}` } } });
    }
    const printed = (result.stdout ?? "").trimEnd().split("\n").pop() ?? "";
    const last = result.range?.lastLine;
    if (!values.length && !result.error && printed && last !== undefined) {
      // output but no value: show what it printed last at the end of the run, as a terminal would
      const range = lineEnd(last);
      if (range) {
        values.push({ range, renderOptions: { after: { contentText: `⤷ ${clip(printed)}` } } });
      }
    }
    if (result.error) {
      const range = lineEnd(errorLine ?? -1);
      const text = `✗ ${result.error.type}: ${result.error.message}`;
      if (range) {
        const hover = new vscode.MarkdownString();
        hover.appendCodeblock(result.error.traceback || text, "text");
        errors.push({ range, hoverMessage: hover, renderOptions: { after: { contentText: clip(text) } } });
      }
    }
    this.byUri.set(uri, drawInline ? { values, errors } : { values: [], errors: [] });
    this.texts.set(uri, new Map((result.lines ?? []).map((item) => [item.line, item.text.trim()])));
    vscode.window.visibleTextEditors.filter((e) => e.document.uri.toString() === uri).forEach((e) => this.paint(e));
    return !result.ok || Boolean(result.stderr);
  }

  /** True when a decoration already shows ``label`` at the end of ``line`` (so an inlay hint would repeat it). */
  drawn(uri: vscode.Uri, line: number, label: string): boolean {
    const entry = this.byUri.get(uri.toString());
    const text = this.texts.get(uri.toString())?.get(line);
    return Boolean(entry && entry.values.length && text !== undefined && text === label.trim());
  }

  clear(uri?: vscode.Uri): void {
    if (uri) {
      this.byUri.delete(uri.toString());
      this.texts.delete(uri.toString());
    } else {
      this.byUri.clear();
      this.texts.clear();
    }
    vscode.window.visibleTextEditors.forEach((e) => this.paint(e));
  }

  private paint(editor: vscode.TextEditor): void {
    const entry = this.byUri.get(editor.document.uri.toString());
    editor.setDecorations(this.valueType, entry?.values ?? []);
    editor.setDecorations(this.errorType, entry?.errors ?? []);
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
