/**
 * The Python environment prosepy's server runs in when nothing else is configured: a venv in
 * the extension's global storage, created on first use with the user's Python 3.11+, with the
 * prosepy wheel this .vsix ships installed into it (its dependencies come from the package
 * index). A stamp records which wheel is installed, so an updated extension updates the server.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";

const WINDOWS = process.platform === "win32";
const MIN_PYTHON: [number, number] = [3, 11];

export interface ServerEnvironment {
  /** The venv's Python, which can import prosepy.server. */
  python: string;
  /** The venv folder. */
  root: string;
}

export class SetupError extends Error {
  constructor(
    message: string,
    /** What the user can do about it. */
    readonly fix: string,
  ) {
    super(message);
  }
}

type Report = (message: string, increment?: number) => void;

function venvPython(root: string): string {
  return WINDOWS ? path.join(root, "Scripts", "python.exe") : path.join(root, "bin", "python");
}

/** The wheel shipped inside the .vsix (`wheels/prosepy-X-py3-none-any.whl`), if any. */
export function bundledWheel(extensionPath: string): string | undefined {
  const dir = path.join(extensionPath, "wheels");
  if (!existsSync(dir)) return undefined;
  const wheels = readdirSync(dir).filter((name) => /^prosepy-.+\.whl$/.test(name));
  return wheels.length ? path.join(dir, wheels.sort().at(-1)!) : undefined;
}

function run(command: string, args: string[], timeoutMs = 30000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, windowsHide: true }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}`.trim() });
    });
  });
}

/** A Python 3.11+ with venv and pip's bootstrap (ensurepip), to create the environment with. */
async function findBasePython(log: vscode.LogOutputChannel): Promise<string> {
  const configured = vscode.workspace.getConfiguration("prosepy").get<string>("server.basePython", "").trim();
  const names = WINDOWS
    ? ["py", "python3", "python"]
    : ["python3.13", "python3.12", "python3.11", "python3", "python"];
  const candidates = configured ? [configured] : names;
  const probe =
    "import sys, venv, ensurepip; print('%d.%d' % sys.version_info[:2]); " +
    `sys.exit(0 if sys.version_info >= (${MIN_PYTHON[0]}, ${MIN_PYTHON[1]}) else 3)`;
  const seen: string[] = [];
  for (const name of candidates) {
    const args = name === "py" ? ["-3", "-c", probe] : ["-c", probe];
    const { code, out } = await run(name, args);
    if (code === 0) {
      log.info(`creating prosepy's environment with ${name} (Python ${out})`);
      return name;
    }
    seen.push(`${name}: ${code === 3 ? `Python ${out} is too old` : out.split("\n").at(-1) || "not found"}`);
  }
  log.warn(`no usable Python for prosepy's environment: ${seen.join("; ")}`);
  throw new SetupError(
    `prosepy needs Python ${MIN_PYTHON.join(".")} or newer with venv to set up its server, and found none ` +
      `(${seen.join("; ")}).`,
    "Install Python 3.11+ (on Debian/Ubuntu also python3-venv), or set prosepy.server.basePython to one, " +
      "or prosepy.server.pythonPath to a Python that has prosepy installed.",
  );
}

/** Run a command, sending each output line to the log and to `onLine`; reject on failure. */
function stream(
  command: string,
  args: string[],
  log: vscode.LogOutputChannel,
  onLine: (line: string) => void,
  token: vscode.CancellationToken,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      windowsHide: true,
      env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: "1", PIP_NO_INPUT: "1", PYTHONUNBUFFERED: "1" },
    });
    const tail: string[] = [];
    const cancel = token.onCancellationRequested(() => child.kill());
    const feed = (chunk: Buffer) => {
      for (const line of chunk.toString().split(/\r?\n|\r/)) {
        if (!line.trim()) continue;
        log.info(line);
        tail.push(line);
        if (tail.length > 20) tail.shift();
        onLine(line.trim());
      }
    };
    child.stdout.on("data", feed);
    child.stderr.on("data", feed);
    child.on("error", (err) => {
      cancel.dispose();
      reject(err);
    });
    child.on("close", (code) => {
      cancel.dispose();
      if (token.isCancellationRequested) reject(new vscode.CancellationError());
      else if (code === 0) resolve();
      else reject(new Error(`${path.basename(command)} ${args.slice(0, 3).join(" ")} failed (exit ${code}):\n${tail.join("\n")}`));
    });
  });
}

/** What pip is doing, in a few words, from one line of its output. */
function pipStep(line: string): string | undefined {
  const m = /^(Collecting|Downloading|Installing collected packages:|Successfully installed|Processing)\s*(.*)$/.exec(line);
  if (!m) return undefined;
  const what = m[2].replace(/\s*\(.*\)$/, "").replace(/^.*[\\/]/, "");
  if (m[1] === "Installing collected packages:") return "installing the packages";
  if (m[1] === "Successfully installed") return "installed";
  return `${m[1].toLowerCase()} ${what.slice(0, 60)}`;
}

interface Stamp {
  wheel: string;
  base: string;
}

/**
 * The managed environment, created or updated when needed (with progress in a notification).
 * Returns at once when the installed wheel is the one this extension ships.
 */
export async function ensureServerEnvironment(
  storage: vscode.Uri,
  extensionPath: string,
  version: string,
  log: vscode.LogOutputChannel,
): Promise<ServerEnvironment> {
  const root = path.join(storage.fsPath, "server-env");
  const python = venvPython(root);
  const stampFile = path.join(root, "prosepy-install.json");
  const wheel = bundledWheel(extensionPath);
  const requirement = wheel ?? `prosepy==${version}`;
  // the wheel's name, size and time: a rebuilt wheel of the same version counts as new
  const identity = wheel
    ? `${path.basename(wheel)}:${statSync(wheel).size}:${Math.round(statSync(wheel).mtimeMs)}`
    : requirement;
  let stamp: Stamp | undefined;
  try {
    stamp = JSON.parse(readFileSync(stampFile, "utf8")) as Stamp;
  } catch {
    stamp = undefined;
  }
  if (stamp && stamp.wheel === identity && existsSync(python)) {
    return { python, root };
  }
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: "prosepy: setting up the server", cancellable: true },
    async (progress, token) => {
      const report: Report = (message, increment) => progress.report({ message, increment });
      log.info(`setting up prosepy's environment in ${root} with ${requirement}`);
      const upgrade = existsSync(python) && stamp?.base !== undefined;
      if (!upgrade) {
        report("looking for Python 3.11+", 5);
        const base = await findBasePython(log);
        rmSync(root, { recursive: true, force: true });
        report("creating a virtual environment", 10);
        const baseArgs = base === "py" ? ["-3"] : [];
        await stream(base, [...baseArgs, "-m", "venv", root], log, () => undefined, token);
        stamp = { wheel: "", base };
      }
      report(`installing prosepy ${version}`, 10);
      // each new package pip reports moves the bar a little, up to the last 10%
      let moved = 0;
      await stream(
        python,
        ["-m", "pip", "install", "--upgrade", "--prefer-binary", requirement],
        log,
        (line) => {
          const step = pipStep(line);
          if (!step) return;
          const increment = moved < 60 ? 3 : 0;
          moved += increment;
          report(step, increment);
        },
        token,
      );
      if (upgrade) {
        // same version number, new build (a development .vsix): pip would keep the old files
        report("replacing the previous prosepy", 5);
        const again = ["-m", "pip", "install", "--force-reinstall", "--no-deps", requirement];
        await stream(python, again, log, () => undefined, token);
      }
      const check = await run(python, ["-c", "import prosepy.server.cli"], 60000);
      if (check.code !== 0) {
        throw new SetupError(`prosepy was installed but does not import: ${check.out}`, "See the prosepy: Server log.");
      }
      writeFileSync(stampFile, JSON.stringify({ wheel: identity, base: stamp?.base ?? "" }));
      report("done", 100);
      log.info(`prosepy's environment is ready: ${python}`);
      return { python, root };
    },
  );
}

/**
 * `prosepy model install` in the given Python (the default model and its fallback), its progress
 * lines shown in a notification. Fast when they are there (verified, not downloaded again).
 */
export function installModel(python: string, log: vscode.LogOutputChannel): Thenable<void> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: "prosepy: installing the models", cancellable: true },
    async (progress, token) => {
      progress.report({ message: "Qwen2.5-Coder 0.5B and the 1.5B fallback (about 1.6 GB, once)" });
      await stream(
        python,
        ["-m", "prosepy.server", "model", "install"],
        log,
        (line) => progress.report({ message: line.replace(/^qwen2\.5-coder-/, "").slice(0, 120) }),
        token,
      );
    },
  );
}
