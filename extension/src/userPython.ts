/**
 * The Python the user's code runs with: `prosepy.run.python` when set, else the interpreter
 * selected in the Python extension (through its public API, `@vscode/python-extension`), else
 * none (the server then uses its own). The server receives it as `run.python`, which the
 * sandbox runs snippets with and jedi completes against; a new selection is pushed at once.
 */
import { PythonExtension } from "@vscode/python-extension";
import * as vscode from "vscode";

export const PYTHON_EXTENSION_ID = "ms-python.python";

/** The subset of the Python extension's API prosepy uses (a test double can provide it). */
export type EnvironmentsApi = Pick<
  PythonExtension["environments"],
  "getActiveEnvironmentPath" | "resolveEnvironment" | "onDidChangeActiveEnvironmentPath"
>;

export class UserPython implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the interpreter selected in the Python extension changes. */
  readonly onDidChange = this.changed.event;
  private readonly resolved = new Map<string, string | undefined>();
  private subscription: vscode.Disposable | undefined;

  private constructor(
    private readonly environments: EnvironmentsApi | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscription = environments?.onDidChangeActiveEnvironmentPath((event) => {
      this.log.info(`the Python extension selected ${event.path}`);
      this.resolved.clear();
      this.changed.fire();
    });
  }

  /** Connect to the Python extension when it is installed; work without it otherwise. */
  static async create(log: vscode.LogOutputChannel): Promise<UserPython> {
    if (!vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) {
      return new UserPython(undefined, log);
    }
    try {
      const api = await PythonExtension.api();
      return new UserPython(api.environments, log);
    } catch (err) {
      log.warn(`the Python extension's API is not available: ${String(err)}`);
      return new UserPython(undefined, log);
    }
  }

  /** For tests: built around any implementation of the environments API. */
  static withApi(environments: EnvironmentsApi | undefined, log: vscode.LogOutputChannel): UserPython {
    return new UserPython(environments, log);
  }

  get connected(): boolean {
    return this.environments !== undefined;
  }

  /** The executable selected in the Python extension for `scope` (a folder or file), if any. */
  async selected(scope?: vscode.Uri): Promise<string | undefined> {
    if (!this.environments) return undefined;
    const active = this.environments.getActiveEnvironmentPath(scope);
    if (this.resolved.has(active.path)) return this.resolved.get(active.path);
    let executable: string | undefined;
    try {
      const env = await this.environments.resolveEnvironment(active);
      executable = env?.executable.uri?.fsPath;
    } catch (err) {
      this.log.warn(`could not resolve the Python environment ${active.path}: ${String(err)}`);
    }
    this.resolved.set(active.path, executable);
    return executable;
  }

  /**
   * The `run.python` to send for `scope`: the prosepy setting when the user set it, else the
   * Python extension's selection, else undefined (the server keeps its default).
   */
  async runPython(scope?: vscode.Uri): Promise<string | undefined> {
    const configured = vscode.workspace.getConfiguration("prosepy", scope).get<string>("run.python", "").trim();
    return configured || (await this.selected(scope));
  }

  dispose(): void {
    this.subscription?.dispose();
    this.changed.dispose();
  }
}
