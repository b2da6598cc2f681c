// A workspace file's first hover in real VS Code (code-server), driven as a user would: open
// one file (the server starts), wait while the server analyses the workspace's other files,
// then open one of them and hover a name near its end.
//
// Environment: URL, FILE (opened first), SCREENSHOTS, SHOT_PREFIX, PLAYWRIGHT_DIR, PROFILE_DIR
// (as for vscode_flow.mjs); LATER (the file opened once its answers are kept), KEPT (the folder
// of kept answers, $PROSEPY_CACHE/hover), KEPT_NAME (the kept file's name for LATER),
// HOVER_AT (its line number), HOVER_LINE and HOVER_TOKEN (where to hover in LATER).
// Prints one JSON object on the last line of stdout: what each step saw.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { openWorkbench, poll } from "./flow_lib.mjs";

const env = process.env;
// a missing name would match any row of the explorer: say which is missing instead
for (const name of ["FILE", "LATER", "KEPT", "KEPT_NAME", "HOVER_AT", "HOVER_LINE", "HOVER_TOKEN"]) {
  if (!env[name]) throw new Error(`vscode_hover_flow.mjs needs ${name} in its environment`);
}
const { browser, page, seen, shot, step } = await openWorkbench(
  env.URL,
  env.SCREENSHOTS,
  env.SHOT_PREFIX ?? "vscode-hover",
);
const line = (needle) => page.locator(".editor-instance .view-lines .view-line", { hasText: needle }).first();
const open = async (name, needle) => {
  const row = page.locator(".explorer-folders-view .monaco-list-row", { hasText: name }).first();
  await row.dblclick();
  await line(needle).waitFor();
};
const kept = () =>
  existsSync(env.KEPT) && readdirSync(env.KEPT).some((dir) => existsSync(join(env.KEPT, dir, env.KEPT_NAME)));

try {
  await step("open", async () => {
    await open(env.FILE, "=");
    return { ok: true };
  });

  await step("workspace", async () => {
    const started = Date.now();
    await poll(page, "the workspace file's answers to be kept", async () => kept(), 300000);
    await shot("before-opening");
    return { seconds: (Date.now() - started) / 1000 };
  });

  await step("hover", async () => {
    await open(env.LATER, "Author");
    // go to the line (it is far down the file), then hover its name as a reader would
    await page.keyboard.press("Control+g");
    const input = page.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible" });
    await input.fill(`:${env.HOVER_AT}`);
    await page.keyboard.press("Enter");
    await line(env.HOVER_LINE).waitFor();
    await page.mouse.move(5, 5);
    await page.waitForTimeout(400);
    const word = line(env.HOVER_LINE).locator("span span", { hasText: env.HOVER_TOKEN }).first();
    const text = await poll(page, "the hover", async () => {
      await word.hover();
      const box = page.locator(".monaco-hover:not(.hidden) .monaco-hover-content").first();
      if (!(await box.isVisible().catch(() => false))) return undefined;
      const t = (await box.innerText()).trim();
      return t.length > 0 ? t : undefined;
    });
    await page.waitForTimeout(300);
    await shot("first-hover");
    return { text };
  });
} finally {
  console.log(JSON.stringify(seen));
  await browser.close();
}
