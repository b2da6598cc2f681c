/**
 * Run results drawn at the end of their lines in theme colours (from `prosepy/inlineResults`),
 * and each run's full output (stdout, stderr, traceback) in an output channel (from
 * `prosepy/runResult`).
 *
 * The server decides what goes on which line and follows the lines through edits; this class
 * only draws what it was last sent for each document.
 */
import * as vscode from "vscode";
import { InlineItem, InlineResults, RunResult } from "./protocol";

export class RunResults implements vscode.Disposable {
  readonly output: vscode.OutputChannel;
  private readonly valueType: vscode.TextEditorDecorationType;
  private readonly errorType: vscode.TextEditorDecorationType;
  private readonly staleType: vscode.TextEditorDecorationType;
  private readonly items = new Map<string, InlineItem[]>();
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
    // results a later edit above made stale: dimmed (their label also says "(stale)")
    this.staleType = vscode.window.createTextEditorDecorationType({
      after: { ...after, color: new vscode.ThemeColor("prosepy.inlineStaleForeground") },
    });
    this.disposables.push(
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => this.paint(e))),
      vscode.workspace.onDidCloseTextDocument((doc) => this.clear(doc.uri)),
    );
  }

  /** Write one run to the output channel; returns true when the channel should be revealed. */
  show(result: RunResult): boolean {
    this.writeOutput(result);
    return !result.ok || Boolean(result.stderr);
  }

  /** Draw what the server says the runs left on a document's lines. */
  draw(results: InlineResults, drawInline: boolean): void {
    this.drawInline = drawInline;
    const uri = vscode.Uri.parse(results.uri).toString();
    if (results.items.length) {
      this.items.set(uri, results.items);
    } else {
      this.items.delete(uri);
    }
    vscode.window.visibleTextEditors.filter((e) => e.document.uri.toString() === uri).forEach((e) => this.paint(e));
  }

  /** True when a decoration already shows a value at the end of ``line`` (its inlay hint would repeat it). */
  drawn(uri: vscode.Uri, line: number): boolean {
    return this.drawInline && (this.items.get(uri.toString()) ?? []).some((i) => i.line === line && i.kind !== "printed" && i.kind !== "error");
  }

  clear(uri?: vscode.Uri): void {
    if (uri) {
      this.items.delete(uri.toString());
    } else {
      this.items.clear();
    }
    vscode.window.visibleTextEditors.forEach((e) => this.paint(e));
  }

  private paint(editor: vscode.TextEditor): void {
    const doc = editor.document;
    const items = this.drawInline ? (this.items.get(doc.uri.toString()) ?? []) : [];
    const options = (kinds: InlineItem["kind"][], stale: boolean): vscode.DecorationOptions[] =>
      items
        .filter((i) => kinds.includes(i.kind) && Boolean(i.stale) === stale && i.line < doc.lineCount)
        .map((i) => {
          const end = doc.lineAt(i.line).range.end;
          const hover = i.kind === "error" ? new vscode.MarkdownString().appendCodeblock(i.detail, "text") : undefined;
          return { range: new vscode.Range(end, end), hoverMessage: hover, renderOptions: { after: { contentText: i.label } } };
        });
    editor.setDecorations(this.valueType, options(["value", "printed", "steps", "image"], false));
    editor.setDecorations(this.errorType, options(["error"], false));
    editor.setDecorations(this.staleType, options(["value", "printed", "steps", "image", "error"], true));
  }

  private writeOutput(result: RunResult): void {
    const name = vscode.Uri.parse(result.uri).path.split("/").pop() ?? result.uri;
    const took = ` in ${Math.round(result.durationMs)} ms`;
    const outcome = result.ok ? "ok" : `failed: ${result.error?.type ?? "error"}`;
    const stamp = new Date().toLocaleTimeString();
    this.output.appendLine(`── ${stamp} ${name}: ${outcome}${took} ──`);
    if (result.sessionRestarted) {
      this.output.appendLine("(the run session was restarted: earlier variables are gone)");
    }
    if (result.layers.length) {
      this.output.appendLine(`sandbox: ${result.layers.join(", ")} (${result.strength})`);
    }
    for (const item of result.lines) {
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
    this.staleType.dispose();
    this.output.dispose();
    this.disposables.forEach((d) => void d.dispose());
  }
}
