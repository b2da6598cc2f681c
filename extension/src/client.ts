/**
 * Starting `python -m prosepy.server` over stdio with vscode-languageclient, restarting it after a
 * crash (at most `prosepy.server.maxRestarts` times in three minutes, then a clear error),
 * and feeding it the `prosepy` settings both as initializationOptions and on request.
 */
import * as vscode from "vscode";
import {
  ClientCapabilities,
  CloseAction,
  CloseHandlerResult,
  DidChangeConfigurationNotification,
  ErrorAction,
  ErrorHandler,
  ErrorHandlerResult,
  FeatureState,
  LanguageClient,
  LanguageClientOptions,
  Message,
  ServerOptions,
  StaticFeature,
  TransportKind,
} from "vscode-languageclient/node";
import { Interpreter } from "./interpreter";
import { serverSettings } from "./settings";
import { UserPython } from "./userPython";

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
    private readonly log: vscode.LogOutputChannel,
  ) {}

  error(error: Error, _message: Message | undefined, count: number | undefined): ErrorHandlerResult {
    this.log.error(`[client] connection error (${count ?? 1}): ${error.message}`);
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
      this.log.error(`[client] ${reason}`);
      this.hooks.onGaveUp(reason);
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    this.log.warn(`[client] the server stopped; restarting it (${this.crashes.length} of ${limit})`);
    this.hooks.onRestarting(this.crashes.length);
    return { action: CloseAction.Restart, handled: true };
  }
}

/** The settings sent to the server for `scope`, with the user's Python as `run.python`. */
export async function settingsFor(
  keys: string[],
  userPython: UserPython,
  scope?: vscode.Uri,
): Promise<ReturnType<typeof serverSettings>> {
  return serverSettings(keys, scope, await userPython.runPython(scope));
}

/**
 * The output channel handed to the language client: it writes every line as
 * `[Error - 10:31:02 AM] text`, the server's `window/logMessage` included. Those lines go to
 * the log channel at their own level (which VS Code stamps with the time); the server's
 * stderr, which only carries what it could not send as a message, goes in at info.
 */
class LeveledChannel implements vscode.OutputChannel {
  private static readonly PREFIX = /^\[(Trace|Debug|Info|Warn|Error)\s*- [^\]]*\] ?([\s\S]*)$/;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  get name(): string {
    return this.log.name;
  }

  appendLine(value: string): void {
    const match = LeveledChannel.PREFIX.exec(value);
    if (!match) {
      this.log.info(value);
      return;
    }
    const [, level, text] = match;
    if (level === "Error") this.log.error(text);
    else if (level === "Warn") this.log.warn(text);
    else if (level === "Info") this.log.info(text);
    else if (level === "Debug") this.log.debug(text);
    else this.log.trace(text);
  }

  append(value: string): void {
    for (const line of value.split(/\r?\n/)) {
      if (line.trim()) this.log.info(line);
    }
  }

  replace(value: string): void {
    this.log.replace(value);
  }

  clear(): void {
    this.log.clear();
  }

  show(column?: vscode.ViewColumn | boolean, preserveFocus?: boolean): void {
    if (typeof column === "boolean") this.log.show(column);
    else this.log.show(column, preserveFocus);
  }

  hide(): void {
    this.log.hide();
  }

  dispose(): void {
    // the log channel belongs to the extension, not to one client
  }
}

export function createClient(
  interpreter: Required<Interpreter>,
  keys: string[],
  userPython: UserPython,
  initialSettings: ReturnType<typeof serverSettings>,
  channels: { log: vscode.LogOutputChannel; trace: vscode.OutputChannel },
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
    outputChannel: new LeveledChannel(channels.log),
    traceOutputChannel: channels.trace,
    initializationOptions: initialSettings,
    // hovers may link to the table view; no other command link is followed
    markdown: { isTrusted: { enabledCommands: ["prosepy.editor.openTable"] } },
    errorHandler: new RestartLimiter(hooks, channels.log),
    // a failed start is reported once, by the extension, with what to do about it
    initializationFailedHandler: (error) => {
      channels.log.error(`[client] initialization failed: ${String(error)}`);
      return false;
    },
    middleware: {
      workspace: {
        // Answer `workspace/configuration` for `prosepy` with the server's keys only.
        configuration: (params, token, next) => {
          if (!params.items.some((item) => item.section === "prosepy")) {
            return next(params, token);
          }
          return Promise.all(
            params.items.map((item) =>
              item.section === "prosepy"
                ? settingsFor(keys, userPython, item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined)
                : Promise.resolve(null),
            ),
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
  const client = new LanguageClient("prosepy", "prosepy", serverOptions, clientOptions);
  client.registerFeature(new ProsepyCapabilities());
  return client;
}

/**
 * Tells the server what this client shows beyond plain LSP (`experimental.prosepy`): images in
 * hovers (a figure, rather than the path of its PNG) and a table view (the hover's "Open the
 * whole table" link).
 */
class ProsepyCapabilities implements StaticFeature {
  fillClientCapabilities(capabilities: ClientCapabilities): void {
    const experimental = (capabilities.experimental ?? {}) as Record<string, unknown>;
    experimental.prosepy = { hoverImages: true, tableView: true };
    capabilities.experimental = experimental;
  }
  getState(): FeatureState {
    return { kind: "static" };
  }
  initialize(): void {}
  clear(): void {}
}

/** Tell a running server that settings changed (or the user's Python did), with the new values. */
export async function pushSettings(client: LanguageClient, keys: string[], userPython: UserPython): Promise<void> {
  if (!client.isRunning()) {
    return;
  }
  await client.sendNotification(DidChangeConfigurationNotification.type, {
    settings: { prosepy: await settingsFor(keys, userPython) },
  });
}
