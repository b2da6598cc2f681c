/**
 * prosepy for VS Code: a thin client. It starts the prosepy language server, forwards the
 * settings, and shows what the server reports (model state, run results) in VS Code's UI.
 * All the logic (generation, running, explanations) lives in the Python server.
 */
import * as vscode from "vscode";
import { LanguageClient, State } from "vscode-languageclient/node";
import { createClient, pushSettings } from "./client";
import { registerCommands } from "./commands";
import { resolveInterpreter } from "./interpreter";
import {
  INLINE_RESULTS,
  InlineResults,
  MODEL_STATUS,
  ModelStatus,
  NOT_LOADED,
  RUN_RESULT,
  RunResult,
} from "./protocol";
import { ReportDocuments } from "./reports";
import { RunResults } from "./runResults";
import { serverKeys } from "./settings";
import { ModelStatusBar, SHOW_STATUS_COMMAND } from "./statusBar";

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel("prosepy: Server");
  const trace = vscode.window.createOutputChannel("prosepy: LSP Trace");
  const statusBar = new ModelStatusBar();
  const results = new RunResults();
  const reports = new ReportDocuments();
  const keys = serverKeys(context.extension.packageJSON);
  const config = () => vscode.workspace.getConfiguration("prosepy");
  context.subscriptions.push(log, trace, statusBar, results, reports);

  let gaveUp = "";
  const start = async (): Promise<void> => {
    gaveUp = "";
    statusBar.setServerState("starting");
    statusBar.update(NOT_LOADED);
    const interpreter = resolveInterpreter(context.extensionPath, (line) => log.appendLine(`[client] ${line}`));
    log.appendLine(`[client] starting ${interpreter.command} -m prosepy.server serve (${interpreter.source})`);
    const next = createClient(interpreter, keys, { log, trace }, {
      onGaveUp: (reason) => {
        gaveUp = reason;
        statusBar.setServerState("stopped", reason);
        void vscode.window
          .showErrorMessage(`prosepy: ${reason}`, "Show log", "Restart server", "Setup report")
          .then((pick) => {
            if (pick === "Show log") log.show();
            if (pick === "Restart server") void vscode.commands.executeCommand("prosepy.editor.restartServer");
            if (pick === "Setup report") void vscode.commands.executeCommand("prosepy.editor.doctor");
          });
      },
      onRestarting: () => {
        statusBar.setServerState("starting");
        statusBar.update(NOT_LOADED); // a new server has not loaded the model yet
      },
      drawnInline: (uri, line) => results.drawn(uri, line),
    });
    next.onDidChangeState((e) => {
      if (e.newState === State.Running) statusBar.setServerState("running");
      if (e.newState === State.Stopped) statusBar.setServerState("stopped", gaveUp);
    });
    next.onNotification(MODEL_STATUS, (status: ModelStatus) => statusBar.update(status));
    next.onNotification(INLINE_RESULTS, (inline: InlineResults) =>
      results.draw(inline, config().get<boolean>("inline.decorations", true)),
    );
    next.onNotification(RUN_RESULT, (result: RunResult) => {
      const reveal = results.show(result);
      const when = config().get<string>("inline.showOutput", "onError");
      if (when === "always" || (when === "onError" && reveal)) {
        results.output.show(true);
      }
    });
    client = next;
    try {
      await next.start();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      statusBar.setServerState("stopped", message);
      log.appendLine(`[client] could not start the server: ${message}`);
      void vscode.window
        .showErrorMessage(
          `prosepy: could not start the language server with ${interpreter.command} (${message}). ` +
            "Run scripts/setup, or set prosepy.server.pythonPath to a Python with prosepy installed.",
          "Show log",
          "Open settings",
        )
        .then((pick) => {
          if (pick === "Show log") log.show();
          if (pick === "Open settings") {
            void vscode.commands.executeCommand("workbench.action.openSettings", "prosepy.server.pythonPath");
          }
        });
    }
  };

  const restart = async (): Promise<void> => {
    const old = client;
    client = undefined;
    if (old) {
      try {
        if (old.state === State.Running) await old.stop(5000);
      } catch (err) {
        log.appendLine(`[client] stopping the old server: ${String(err)}`);
      }
      await old.dispose().catch(() => undefined);
    }
    results.clear();
    await start();
  };

  context.subscriptions.push(
    ...registerCommands({ client: () => client, reports }),
    vscode.commands.registerCommand("prosepy.editor.restartServer", restart),
    vscode.commands.registerCommand("prosepy.editor.showServerLog", () => log.show()),
    vscode.commands.registerCommand("prosepy.editor.showRunOutput", () => results.output.show()),
    vscode.commands.registerCommand("prosepy.editor.clearResults", () =>
      results.clear(vscode.window.activeTextEditor?.document.uri),
    ),
    vscode.commands.registerCommand(SHOW_STATUS_COMMAND, async () => {
      const actions = statusBar.isError ? ["Show log", "Setup report", "Restart server"] : ["Setup report"];
      const show = statusBar.isError ? vscode.window.showErrorMessage : vscode.window.showInformationMessage;
      const pick = await show(`prosepy: ${statusBar.describe()}`, { modal: false }, ...actions);
      if (pick === "Show log") log.show();
      if (pick === "Setup report") await vscode.commands.executeCommand("prosepy.editor.doctor");
      if (pick === "Restart server") await restart();
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration("prosepy")) return;
      if (e.affectsConfiguration("prosepy.server.pythonPath")) {
        await restart();
      } else if (client) {
        await pushSettings(client, keys);
      }
      if (e.affectsConfiguration("prosepy.inline.decorations")) results.clear();
    }),
  );

  await start();
}

export async function deactivate(): Promise<void> {
  if (client) {
    await client.stop();
  }
}
