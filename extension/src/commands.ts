/**
 * Palette and context-menu commands. Each one is a thin wrapper: it collects the editor's
 * document and position and calls the server's `workspace/executeCommand` command.
 * (The server's own command ids are registered by vscode-languageclient, so these use
 * `prosepy.editor.*`.)
 */
import * as vscode from "vscode";
import { ExecuteCommandRequest, LanguageClient } from "vscode-languageclient/node";
import { DoctorReport, ExplainResult, GENERATE_KIND, ServerCommand } from "./protocol";
import { ReportDocuments } from "./reports";

export interface CommandContext {
  /** The client once the latest start of the server has finished; undefined if it is not running. */
  ready(): Promise<LanguageClient | undefined>;
  reports: ReportDocuments;
}

function pythonEditor(): vscode.TextEditor | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== "python") {
    void vscode.window.showWarningMessage("prosepy: open a Python file first.");
    return undefined;
  }
  return editor;
}

function lspRange(range: vscode.Range): object {
  return {
    start: { line: range.start.line, character: range.start.character },
    end: { line: range.end.line, character: range.end.character },
  };
}

/**
 * The client, waiting first for a start in progress: a command run while the server is still
 * starting (or while the extension activates because of this very command) would otherwise find
 * no code action and no server command.
 */
async function readyClient(ctx: CommandContext): Promise<LanguageClient | undefined> {
  const client = await ctx.ready();
  if (!client) {
    void vscode.window.showErrorMessage("prosepy: the language server is not running.", "Restart server").then(
      (pick) => pick && vscode.commands.executeCommand("prosepy.editor.restartServer"),
    );
  }
  return client;
}

async function execute(ctx: CommandContext, command: string, arg: object | undefined, title: string): Promise<unknown> {
  const client = await readyClient(ctx);
  if (!client) {
    return undefined;
  }
  const offered = client.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
  if (!offered.includes(command)) {
    void vscode.window.showWarningMessage(
      `prosepy: this server does not offer ${command} (${title}); update prosepy, then restart the server.`,
    );
    return undefined;
  }
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `prosepy: ${title}` },
      () => client.sendRequest(ExecuteCommandRequest.type, { command, arguments: arg ? [arg] : undefined }),
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    void vscode.window.showErrorMessage(`prosepy: ${title} failed: ${message}`);
    return undefined;
  }
}

const GENERATE_ATTEMPTS = 3;

/** Take the "Generate code" code action on the cursor's `# nl:` line, exactly as Ctrl+. would. */
async function generate(ctx: CommandContext): Promise<void> {
  const editor = pythonEditor();
  const client = editor && (await readyClient(ctx));
  if (!editor || !client) {
    return;
  }
  const line = editor.selection.active.line;
  const range = editor.document.lineAt(line).range;
  let action: vscode.CodeAction | undefined;
  // VS Code drops the answer, silently, when any extension registers a code action provider
  // while the request runs (as the built-in ones do just after startup): ask again before
  // telling the user there is nothing to generate.
  for (let attempt = 0; attempt < GENERATE_ATTEMPTS && !action; attempt++) {
    if (attempt > 0) {
      client.info(`[client] generate: the editor returned no code action on line ${line + 1}; asking again`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const actions =
      (await vscode.commands.executeCommand<vscode.CodeAction[]>(
        "vscode.executeCodeActionProvider",
        editor.document.uri,
        range,
        GENERATE_KIND,
        10,
      )) ?? [];
    // "Generate code" comes before "Regenerate code" for the same request
    action = actions.find((a) => a.kind?.value === GENERATE_KIND);
  }
  if (!action) {
    client.info(`[client] generate: no "Generate code" action on line ${line + 1}`);
    void vscode.window.showInformationMessage(
      "prosepy: put the cursor on a `# nl: ...` comment that describes the code to write.",
    );
    return;
  }
  // in the output channel: which action a palette or menu run took, and where
  client.info(`[client] generate: "${action.title}" on line ${line + 1}`);
  if (action.edit) {
    await vscode.workspace.applyEdit(action.edit);
  }
  if (action.command) {
    const args: unknown[] = action.command.arguments ?? [];
    await vscode.commands.executeCommand(action.command.command, ...args);
  }
}

function uriOf(editor: vscode.TextEditor): string {
  return editor.document.uri.toString();
}

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const on = (id: string, fn: () => Promise<unknown>): vscode.Disposable =>
    vscode.commands.registerCommand(id, fn);
  return [
    on("prosepy.editor.generate", () => generate(ctx)),
    on("prosepy.editor.runSelection", async () => {
      const editor = pythonEditor();
      if (!editor) return;
      const sel = editor.selection;
      // no selection: the server runs the whole statement under the cursor (a def, a loop...)
      const arg = sel.isEmpty
        ? { uri: uriOf(editor), line: sel.active.line }
        : { uri: uriOf(editor), range: lspRange(sel) };
      await execute(ctx, ServerCommand.run, arg, sel.isEmpty ? "running statement" : "running selection");
    }),
    on("prosepy.editor.runCell", async () => {
      const editor = pythonEditor();
      if (!editor) return;
      await execute(ctx, ServerCommand.runCell, { uri: uriOf(editor), line: editor.selection.active.line }, "running cell");
    }),
    on("prosepy.editor.runFile", async () => {
      const editor = pythonEditor();
      if (!editor) return;
      await execute(ctx, ServerCommand.runFile, { uri: uriOf(editor) }, "running file");
    }),
    on("prosepy.editor.cancelRun", async () => {
      const editor = pythonEditor();
      if (!editor) return;
      await execute(ctx, ServerCommand.cancelRun, { uri: uriOf(editor) }, "cancelling the run");
    }),
    on("prosepy.editor.restartSession", async () => {
      const editor = pythonEditor();
      if (!editor) return;
      await execute(ctx, ServerCommand.restartSession, { uri: uriOf(editor) }, "restarting the run session");
      void vscode.window.setStatusBarMessage("prosepy: run session restarted", 3000);
    }),
    on("prosepy.editor.explainSelection", async () => {
      const editor = pythonEditor();
      if (!editor) return;
      const sel = editor.selection;
      const range = sel.isEmpty ? editor.document.lineAt(sel.active.line).range : sel;
      const result = (await execute(
        ctx,
        ServerCommand.explainWithModel,
        { uri: uriOf(editor), range: lspRange(range) },
        "explaining with the model",
      )) as ExplainResult | undefined;
      if (result === undefined) {
        return;
      }
      if ("error" in result) {
        void vscode.window.showErrorMessage(`prosepy: could not explain the selection: ${result.error}`);
        return;
      }
      const code = editor.document.getText(range);
      await ctx.reports.show("Explanation.md", `# Explanation\n\n\`\`\`python\n${code}\n\`\`\`\n\n${result.text}\n`);
    }),
    on("prosepy.editor.doctor", async () => {
      const report = (await execute(ctx, ServerCommand.doctor, undefined, "checking the setup")) as DoctorReport | undefined;
      if (report) {
        await ctx.reports.show("prosepy setup report.txt", report.text);
      }
    }),
  ];
}
