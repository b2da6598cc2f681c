/**
 * Which Python starts the server: the setting, else a `.venv` made by prosepy's setup (in a
 * workspace folder, or beside the extension when it runs from a checkout), else `python3`.
 * A candidate counts only if it can import the server, so an unrelated project `.venv` is skipped.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";

export interface Interpreter {
  command: string;
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
  const roots = [
    ...(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
    extensionPath,
    path.dirname(extensionPath),
  ];
  for (const root of roots) {
    const candidate = path.join(root, VENV_PYTHON);
    if (!existsSync(candidate)) {
      continue;
    }
    if (importsServer(candidate)) {
      return { command: candidate, source: `environment made by setup in ${root}` };
    }
    log(`skipping ${candidate}: it cannot import prosepy's server`);
  }
  return {
    command: process.platform === "win32" ? "python" : "python3",
    source: "fallback (no prosepy environment found; set prosepy.server.pythonPath)",
  };
}
