// Shared pieces of the code-server flows driven by Playwright: the browser, screenshots,
// steps that record what they saw, the command palette, polling, and webview frames.
import { createRequire } from "node:module";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const require = createRequire(join(process.env.PLAYWRIGHT_DIR, "x.js"));
const { chromium } = require("playwright-core");

export const timeout = Number(process.env.STEP_TIMEOUT_MS ?? 120000);
/** How long an open command palette is given to list a command before it is opened again. */
const PALETTE_RETRY_MS = 15000;
export const log = (...args) => console.error(`[flow ${new Date().toISOString().slice(11, 19)}]`, ...args);

/** Open the browser on code-server; screenshots named `${prefix}-NN-name.png` in `shots`. */
export async function openWorkbench(url, shots, prefix) {
  mkdirSync(shots, { recursive: true });
  for (const name of readdirSync(shots)) {
    if (name.startsWith(`${prefix}-`) && name.endsWith(".png")) rmSync(join(shots, name));
  }
  const browser = await chromium.launchPersistentContext(process.env.PROFILE_DIR, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    env: { ...process.env },
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(timeout);
  await page.goto(url);
  await page.locator(".monaco-workbench").waitFor();
  let shotNo = 0;
  const seen = { steps: [], errors: [] };
  const shot = async (name) => {
    shotNo += 1;
    const path = join(shots, `${prefix}-${String(shotNo).padStart(2, "0")}-${name}.png`);
    await page.screenshot({ path });
    log("screenshot", path);
    return path;
  };
  const step = async (name, fn) => {
    const started = Date.now();
    log("step", name);
    try {
      seen[name] = await fn();
      seen.steps.push({ name, ok: true, ms: Date.now() - started });
    } catch (err) {
      await recordFailure(page, seen, shot, name, started, err);
      throw err;
    }
  };
  return { browser, page, seen, shot, step };
}

export async function poll(page, what, fn, ms = timeout) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await page.waitForTimeout(500);
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

export async function palette(page, title) {
  const widget = page.locator(".quick-input-widget");
  const input = widget.locator("input");
  const row = page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first();
  // The palette lists the commands known when it opens, and one opened before the extension's
  // contributions were read never shows them: it is opened again until the command is there
  // (within the step's timeout, as before).
  const end = Date.now() + timeout;
  for (;;) {
    await page.keyboard.press("F1");
    await input.waitFor({ state: "visible" });
    await input.fill(`>${title}`);
    const wait = Math.min(PALETTE_RETRY_MS, Math.max(end - Date.now(), 1));
    try {
      await row.waitFor({ state: "visible", timeout: wait });
      break;
    } catch (err) {
      if (Date.now() >= end) throw err;
      await page.keyboard.press("Escape");
      await widget.waitFor({ state: "hidden" });
    }
  }
  // click the command's own row: Enter takes whichever row has the focus, which under load
  // can still be one from before the list was filtered
  await row.click();
  await widget.waitFor({ state: "hidden" });
}

/** A failed step in `seen`: its error, the notifications on screen, and a screenshot. */
export async function recordFailure(page, seen, shot, name, started, err) {
  seen.steps.push({ name, ok: false, ms: Date.now() - started, error: String(err.message ?? err) });
  seen.errors.push(`${name}: ${err.message ?? err}`);
  const shown = await notifications(page);
  if (shown.length) seen.errors.push(`${name}: notifications on screen: ${JSON.stringify(shown)}`);
  await shot(`${name}-failed`).catch(() => undefined);
}

/** The notifications on screen, as the user reads them (for a failed step's message). */
export async function notifications(page) {
  const toasts = page.locator(".notifications-toasts .notification-list-item");
  const texts = await toasts.allInnerTexts().catch(() => []);
  return texts.map((t) => t.replace(/\s+/g, " ").trim()).filter(Boolean);
}

/** Text drawn at line ends (decoration ::after content), per visible line of the editor. */
export const inlineTexts = (page) =>
  page.evaluate(() => {
    const out = [];
    const editor = document.querySelector(".editor-instance .monaco-editor .view-lines");
    if (!editor) return out;
    for (const el of editor.querySelectorAll("span")) {
      const content = getComputedStyle(el, "::after").content;
      if (content && content !== "none" && content !== "normal" && content !== '""') {
        out.push({ text: content.replace(/^"|"$/g, ""), color: getComputedStyle(el, "::after").color });
      }
    }
    return out;
  });

/** The innermost frame of a webview whose document has `selector` (webviews nest two iframes). */
export async function webviewFrame(page, selector) {
  for (const frame of page.frames()) {
    try {
      if ((await frame.locator(selector).count()) > 0) return frame;
    } catch {
      // a frame navigating away
    }
  }
  return undefined;
}
