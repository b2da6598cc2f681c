// `npm run package`: bundle, then write build/prosepy-<version>.vsix with @vscode/vsce.
// Dependencies are bundled by esbuild, so the .vsix carries no node_modules.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const out = join(root, "build", `prosepy-${version}.vsix`);
mkdirSync(dirname(out), { recursive: true });
const vsce = join(root, "node_modules", ".bin", "vsce");
execFileSync(vsce, ["package", "--no-dependencies", "--allow-missing-repository", "--out", out], {
  cwd: root,
  stdio: "inherit",
});
console.log(out);
