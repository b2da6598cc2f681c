/**
 * Which Python starts the server: `prosepy.server.pythonPath` when set; else, in a trusted
 * workspace, a `.venv` made by prosepy's setup in a workspace folder (or beside the extension
 * when it runs from a checkout); else the environment the extension manages in its global
 * storage (created on first use, see serverEnvironment.ts). A `.venv` counts only if it can
 * import the server, so an unrelated project `.venv` is skipped. In Restricted Mode nothing
 * from the workspace is run: VS Code ignores the workspace's value of `pythonPath`
 * (`restrictedConfigurations`) and the workspace's `.venv` is not looked at.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";

export interface Interpreter {
  /** The Python to start the server with; undefined: use the managed environment. */
  command?: string;
  /** Where the choice came from, for the log. */
  source: string;
}

const VENV_PYTHON =
  process.platform === "win32" ? path.join(".venv", "Scripts", "python.exe") : path.join(".venv", "bin", "python");

function importsServer(python: string): boolean {
  try {
    execFileSync(python, ["-c", "import prosepy.server.cli"], { timeout: 20000, stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function resolveInterpreter(extensionPath: string, log: (line: string) => void): Interpreter {
  const configured = vscode.workspace.getConfiguration("prosepy").get<string>("server.pythonPath", "").trim();
  if (configured) {
    return { command: configured, source: "setting prosepy.server.pythonPath" };
  }
  const workspaceRoots = vscode.workspace.isTrusted
    ? (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath)
    : [];
  for (const root of [...workspaceRoots, extensionPath, path.dirname(extensionPath)]) {
    const candidate = path.join(root, VENV_PYTHON);
    if (!existsSync(candidate)) {
      continue;
    }
    if (importsServer(candidate)) {
      return { command: candidate, source: `environment made by setup in ${root}` };
    }
    log(`skipping ${candidate}: it cannot import prosepy's server`);
  }
  return { source: "the environment prosepy manages in VS Code's storage" };
}
