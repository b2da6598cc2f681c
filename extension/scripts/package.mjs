// `npm run package`: build the prosepy wheel into wheels/, bundle the extension, then write
// build/prosepy-<version>.vsix with @vscode/vsce. The .vsix carries the wheel (the extension
// installs it into the environment it creates on first use) and no node_modules (esbuild
// bundles the dependencies).
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const repo = join(root, "..");
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
// one version: pyproject.toml's; the extension must carry the same
const pyproject = readFileSync(join(repo, "pyproject.toml"), "utf8");
const pyVersion = /^version\s*=\s*"([^"]+)"/m.exec(pyproject)?.[1];
if (pyVersion !== version) {
  console.error(`package.json version ${version} differs from pyproject.toml's ${pyVersion}: make them equal`);
  process.exit(1);
}

const venvPython = join(repo, ".venv", process.platform === "win32" ? "Scripts/python.exe" : "bin/python");
const python = process.env.PROSEPY_PYTHON ?? (existsSync(venvPython) ? venvPython : "python3");
const wheels = join(root, "wheels");
rmSync(wheels, { recursive: true, force: true });
execFileSync(python, ["-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check", repo, "-w", wheels], {
  stdio: ["ignore", "ignore", "inherit"],
});
const built = readdirSync(wheels).filter((name) => name.endsWith(".whl"));
if (built.length !== 1 || !built[0].startsWith(`prosepy-${version}-`)) {
  console.error(`expected one prosepy-${version} wheel in ${wheels}, found: ${built.join(", ")}`);
  process.exit(1);
}
copyFileSync(join(repo, "CHANGELOG.md"), join(root, "CHANGELOG.md"));

const out = join(root, "build", `prosepy-${version}.vsix`);
mkdirSync(dirname(out), { recursive: true });
const vsce = join(root, "node_modules", ".bin", "vsce");
execFileSync(vsce, ["package", "--no-dependencies", "--allow-missing-repository", "--out", out], {
  cwd: root,
  stdio: "inherit",
});
console.log(out);
