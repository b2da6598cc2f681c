/**
 * Starting `python -m prosepy.server` over stdio with vscode-languageclient, restarting it after a
 * crash (at most `prosepy.server.maxRestarts` times in three minutes, then a clear error),
 * and feeding it the `prosepy` settings both as initializationOptions and on request.
 */
import * as vscode from "vscode";
import {
  CloseAction,
  CloseHandlerResult,
  DidChangeConfigurationNotification,
  ErrorAction,
  ErrorHandler,
  ErrorHandlerResult,
  LanguageClient,
  LanguageClientOptions,
  Message,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";
import { Interpreter } from "./interpreter";
import { serverSettings } from "./settings";

const RESTART_WINDOW_MS = 3 * 60 * 1000;

export interface ClientHooks {
  /** Called when the server died for good (restart limit reached). */
  onGaveUp(reason: string): void;
  /** Called before each automatic restart. */
  onRestarting(attempt: number): void;
  /** Whether a decoration already shows a run value on this line (then its inlay hint is dropped). */
  drawnInline(uri: vscode.Uri, line: number): boolean;
}

class RestartLimiter implements ErrorHandler {
  private crashes: number[] = [];

  constructor(
    private readonly hooks: ClientHooks,
    private readonly log: vscode.OutputChannel,
  ) {}

  error(error: Error, _message: Message | undefined, count: number | undefined): ErrorHandlerResult {
    this.log.appendLine(`[client] connection error (${count ?? 1}): ${error.message}`);
    return { action: (count ?? 1) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true };
  }

  closed(): CloseHandlerResult {
    const limit = vscode.workspace.getConfiguration("prosepy").get<number>("server.maxRestarts", 4);
    const now = Date.now();
    this.crashes = this.crashes.filter((t) => now - t < RESTART_WINDOW_MS);
    this.crashes.push(now);
    if (this.crashes.length > limit) {
      const reason =
        `The prosepy server stopped ${this.crashes.length} times in three minutes, so it is not ` +
        "restarted again. See the prosepy: Server log for the cause.";
      this.log.appendLine(`[client] ${reason}`);
      this.hooks.onGaveUp(reason);
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    this.log.appendLine(`[client] the server stopped; restarting it (${this.crashes.length} of ${limit})`);
    this.hooks.onRestarting(this.crashes.length);
    return { action: CloseAction.Restart, handled: true };
  }
}

export function createClient(
  interpreter: Interpreter,
  keys: string[],
  channels: { log: vscode.OutputChannel; trace: vscode.OutputChannel },
  hooks: ClientHooks,
): LanguageClient {
  const serverOptions: ServerOptions = {
    command: interpreter.command,
    args: ["-m", "prosepy.server", "serve"],
    transport: TransportKind.stdio,
    options: { env: { ...process.env, PYTHONUNBUFFERED: "1" } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "python" },
      { scheme: "untitled", language: "python" },
    ],
    outputChannel: channels.log,
    traceOutputChannel: channels.trace,
    initializationOptions: serverSettings(keys),
    errorHandler: new RestartLimiter(hooks, channels.log),
    // a failed start is reported once, by the extension, with what to do about it
    initializationFailedHandler: (error) => {
      channels.log.appendLine(`[client] initialization failed: ${String(error)}`);
      return false;
    },
    middleware: {
      workspace: {
        // Answer `workspace/configuration` for `prosepy` with the server's keys only.
        configuration: (params, token, next) => {
          if (!params.items.some((item) => item.section === "prosepy")) {
            return next(params, token);
          }
          return params.items.map((item) =>
            item.section === "prosepy"
              ? serverSettings(keys, item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined)
              : null,
          );
        },
      },
      provideInlayHints: async (document, range, token, next) => {
        const hints = await next(document, range, token);
        // run values are drawn as decorations in theme colours: do not show them twice
        return hints?.filter((h) => !hooks.drawnInline(document.uri, h.position.line));
      },
    },
  };
  return new LanguageClient("prosepy", "prosepy", serverOptions, clientOptions);
}

/** Tell a running server that settings changed, with the new values. */
export async function pushSettings(client: LanguageClient, keys: string[]): Promise<void> {
  if (!client.isRunning()) {
    return;
  }
  await client.sendNotification(DidChangeConfigurationNotification.type, {
    settings: { prosepy: serverSettings(keys) },
  });
}
