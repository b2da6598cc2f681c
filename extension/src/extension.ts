/**
 * prosepy for VS Code: a thin client. It starts the prosepy language server, forwards the
 * settings, and shows what the server reports (model state, run results) in VS Code's UI.
 * All the logic (generation, running, explanations) lives in the Python server.
 */
import * as vscode from "vscode";
import { LanguageClient, State } from "vscode-languageclient/node";
import { createClient, pushSettings, settingsFor } from "./client";
import { registerCommands } from "./commands";
import { INSTALL_MODEL_COMMAND, offerWalkthrough, registerFirstUse } from "./firstUse";
import { Interpreter, resolveInterpreter } from "./interpreter";
import {
  INLINE_RESULTS,
  InlineResults,
  MODEL_STATUS,
  ModelStatus,
  NOT_LOADED,
  OpenTableArgs,
  RUN_RESULT,
  RunResult,
} from "./protocol";
import { ReportDocuments } from "./reports";
import { PlotsPanel } from "./plotsPanel";
import { RunResults } from "./runResults";
import { serverKeys } from "./settings";
import { ensureServerEnvironment, installModel, SetupError } from "./serverEnvironment";
import { ModelStatusBar, SHOW_STATUS_COMMAND } from "./statusBar";
import { UserPython } from "./userPython";
import { TableViews } from "./tableView";
import { OPEN_TABLE_COMMAND, VariablesView } from "./variablesView";

let client: LanguageClient | undefined;
/** globalState key: the model was installed and the walkthrough offered after the first setup. */
const FIRST_USE_DONE = "prosepy.firstUseDone";

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel("prosepy: Server", { log: true });
  const trace = vscode.window.createOutputChannel("prosepy: LSP Trace");
  const statusBar = new ModelStatusBar();
  const results = new RunResults();
  const reports = new ReportDocuments();
  const keys = serverKeys(context.extension.packageJSON);
  const config = () => vscode.workspace.getConfiguration("prosepy");
  const userPython = await UserPython.create(log);
  const version = String((context.extension.packageJSON as { version: string }).version);
  const variables = new VariablesView(() => client);
  const tables = new TableViews(() => client);
  const plots = new PlotsPanel();
  context.subscriptions.push(log, trace, statusBar, results, reports, userPython, variables, tables, plots);
  /** The Python the running server was started with (for `prosepy model install`). */
  let serverPython: string | undefined;

  /** Settles when the latest start or restart has finished, however it ended. */
  let settled: Promise<unknown> = Promise.resolve();
  const tracked = <T>(work: Promise<T>): Promise<T> => {
    settled = work.catch(() => undefined);
    return work;
  };
  /** The client once starting has finished (a restart begun meanwhile is waited for too). */
  const ready = async (): Promise<LanguageClient | undefined> => {
    let waited: Promise<unknown>;
    do {
      waited = settled;
      await waited;
    } while (waited !== settled);
    const current = client;
    if (!current || current.state === State.Stopped) return undefined;
    try {
      await current.start(); // resolves once the start has registered the server's features
      return current;
    } catch {
      return undefined;
    }
  };

  let gaveUp = "";
  const start = (): Promise<void> => tracked(startServer());
  const startServer = async (): Promise<void> => {
    gaveUp = "";
    statusBar.setServerState("starting");
    statusBar.update(NOT_LOADED);
    let interpreter: Interpreter = resolveInterpreter(context.extensionPath, (line) => log.info(`[client] ${line}`));
    const managed = interpreter.command === undefined;
    if (interpreter.command === undefined) {
      try {
        const env = await ensureServerEnvironment(context.globalStorageUri, context.extensionPath, version, log);
        interpreter = { command: env.python, source: interpreter.source };
      } catch (err) {
        setupFailed(err);
        return;
      }
    }
    const command = interpreter.command!;
    serverPython = command;
    log.info(`[client] starting ${command} -m prosepy.server serve (${interpreter.source})`);
    const settings = await settingsFor(keys, userPython);
    const next = createClient({ command, source: interpreter.source }, keys, userPython, settings, { log, trace }, {
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
      // "running" comes before the client registers the server's features with the editor;
      // the status bar (which users and tests take as "ready") waits for the start to finish
      if (e.newState === State.Running) {
        next.start().then(
          () => statusBar.setServerState("running"),
          () => undefined, // a failed start reports itself
        );
      }
      if (e.newState === State.Stopped) statusBar.setServerState("stopped", gaveUp);
    });
    next.onNotification(MODEL_STATUS, (status: ModelStatus) => {
      statusBar.update(status);
      if (status.state === "ready") void vscode.commands.executeCommand("setContext", "prosepy.modelReady", true);
    });
    next.onNotification(INLINE_RESULTS, (inline: InlineResults) =>
      results.draw(inline, config().get<boolean>("inline.decorations", true)),
    );
    next.onNotification(RUN_RESULT, (result: RunResult) => {
      plots.add(result);
      void variables.refresh(result.uri);
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
      log.error(`[client] could not start the server: ${message}`);
      void vscode.window
        .showErrorMessage(
          `prosepy: could not start the language server with ${command} (${message}). ` +
            "Set prosepy.server.pythonPath to a Python with prosepy installed, or clear it to let " +
            "prosepy set up its own environment.",
          "Show log",
          "Open settings",
        )
        .then((pick) => {
          if (pick === "Show log") log.show();
          if (pick === "Open settings") {
            void vscode.commands.executeCommand("workbench.action.openSettings", "prosepy.server.pythonPath");
          }
        });
      return;
    }
    if (managed && !context.globalState.get<boolean>(FIRST_USE_DONE)) {
      void firstUse(command);
    }
  };

  /** After the first setup: the model, then the walkthrough. Runs once per installation. */
  const firstUse = async (python: string): Promise<void> => {
    try {
      await vscode.commands.executeCommand(INSTALL_MODEL_COMMAND, python);
      await context.globalState.update(FIRST_USE_DONE, true);
      await offerWalkthrough(context, "prosepy is set up: the server runs and the model is installed.");
    } catch (err) {
      if (err instanceof vscode.CancellationError) {
        log.warn("[client] the model install was cancelled");
        return;
      }
      log.error(`[client] the model install failed: ${String(err)}`);
      const pick = await vscode.window.showErrorMessage(
        "prosepy: the model could not be installed, so code cannot be generated yet (runs and hover work). " +
          "See the log for the cause.",
        "Retry",
        "Show log",
      );
      if (pick === "Retry") await firstUse(python);
      if (pick === "Show log") log.show();
    }
  };

  const setupFailed = (err: unknown): void => {
    const message = err instanceof Error ? err.message : String(err);
    const fix = err instanceof SetupError ? ` ${err.fix}` : "";
    statusBar.setServerState("stopped", message);
    if (err instanceof vscode.CancellationError) {
      log.warn("[client] setting up the server was cancelled");
    } else {
      log.error(`[client] setting up the server failed: ${message}`);
    }
    void vscode.window
      .showErrorMessage(`prosepy: could not set up the server. ${message}${fix}`, "Retry", "Show log", "Open settings")
      .then((pick) => {
        if (pick === "Retry") void restart();
        if (pick === "Show log") log.show();
        if (pick === "Open settings") {
          void vscode.commands.executeCommand("workbench.action.openSettings", "prosepy.server");
        }
      });
  };

  const restart = (): Promise<void> => tracked(restartServer());
  const restartServer = async (): Promise<void> => {
    const old = client;
    client = undefined;
    if (old) {
      try {
        if (old.state === State.Running) await old.stop(5000);
      } catch (err) {
        log.warn(`[client] stopping the old server: ${String(err)}`);
      }
      await old.dispose().catch(() => undefined);
    }
    results.clear();
    await start();
    await variables.refresh();
  };

  context.subscriptions.push(
    ...registerCommands({ ready, reports }),
    vscode.commands.registerCommand("prosepy.editor.restartServer", restart),
    ...registerFirstUse(context, {
      installModel: async (python?: string) => {
        const target = python ?? serverPython;
        if (!target) {
          void vscode.window.showWarningMessage("prosepy: the server is not set up yet.");
          return;
        }
        await installModel(target, log);
      },
    }),
    userPython.onDidChange(async () => {
      if (client) await pushSettings(client, keys, userPython);
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(restart),
    vscode.commands.registerCommand("prosepy.editor.showServerLog", () => log.show()),
    vscode.commands.registerCommand("prosepy.editor.showRunOutput", () => results.output.show()),
    vscode.commands.registerCommand(OPEN_TABLE_COMMAND, (args: OpenTableArgs) => tables.open(args)),
    vscode.commands.registerCommand("prosepy.editor.showPlots", () => plots.show()),
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
      if (e.affectsConfiguration("prosepy.server.pythonPath") || e.affectsConfiguration("prosepy.server.basePython")) {
        await restart();
      } else if (client) {
        await pushSettings(client, keys, userPython);
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
