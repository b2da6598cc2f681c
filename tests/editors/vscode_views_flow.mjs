// What a run shows in real VS Code (code-server), driven as a user would: run a cell that
// builds a DataFrame and draws a plot, then look at the Plots panel, the Variables view, the
// hovers on the table line and on a loop, and the table view (scrolled and sorted).
//
// Environment: URL, FILE, SCREENSHOTS, SHOT_PREFIX, PLAYWRIGHT_DIR, PROFILE_DIR (as for
// vscode_flow.mjs). Prints one JSON object on the last line of stdout: what each step saw.
import { inlineTexts, openWorkbench, palette, poll, webviewFrame } from "./flow_lib.mjs";

const file = process.env.FILE ?? "views.py";
const { browser, page, seen, shot, step } = await openWorkbench(
  process.env.URL,
  process.env.SCREENSHOTS,
  process.env.SHOT_PREFIX ?? "vscode-views",
);

const variableRows = () => page.locator(".part.panel .monaco-list-row");
const line = (needle) => page.locator(".editor-instance .view-lines .view-line", { hasText: needle }).first();

async function hoverOn(needle, expect) {
  await page.mouse.move(5, 5);
  await page.waitForTimeout(400);
  const word = line(needle).locator("span > span").first();
  return poll(page, `hover on ${needle}`, async () => {
    await word.hover();
    const box = page.locator(".monaco-hover:not(.hidden) .monaco-hover-content").first();
    if (!(await box.isVisible().catch(() => false))) return undefined;
    const text = await box.innerText();
    if (!text.includes(expect)) return undefined;
    return { text, tables: await box.locator("table").count(), images: await box.locator("img").count() };
  });
}

try {
  await step("open", async () => {
    const row = page.locator(".explorer-folders-view .monaco-list-row", { hasText: file }).first();
    await row.dblclick();
    await line("import pandas").waitFor();
    return { ok: true };
  });

  await step("run", async () => {
    await line("import pandas").click();
    await palette(page, "prosepy: Run Cell");
    const drawn = await poll(page, "the cell's values", async () => {
      const texts = (await inlineTexts(page)).map((t) => t.text);
      return texts.some((t) => t.startsWith("→ DataFrame")) && texts.some((t) => t.startsWith("↻ total")) ? texts : undefined;
    });
    await shot("cell-run");
    return { inline: drawn };
  });

  await step("plots", async () => {
    const frame = await poll(page, "the Plots panel", () => webviewFrame(page, 'img[src^="data:image/png"]'));
    const images = await frame.locator("img").evaluateAll((imgs) =>
      imgs.map((i) => ({ width: i.naturalWidth, height: i.naturalHeight, complete: i.complete })),
    );
    const captions = await frame.locator("figcaption").allInnerTexts();
    const tab = await page.locator(".tabs-container .tab", { hasText: "prosepy: Plots" }).count();
    await shot("plots-panel");
    return { images, captions, tab };
  });

  await step("variables", async () => {
    await palette(page, "prosepy: Show Variables");
    const rows = await poll(page, "variables in the view", async () => {
      const found = await variableRows().evaluateAll((els) =>
        els.map((el) => ({
          name: el.querySelector(".label-name")?.textContent ?? "",
          description: el.querySelector(".label-description")?.textContent ?? "",
        })),
      );
      return found.some((r) => r.name === "df") ? found : undefined;
    });
    await page.mouse.move(700, 600);
    await page.waitForTimeout(300);
    await shot("variables-view");
    return { rows };
  });

  await step("hover_table", async () => {
    const shown = await hoverOn("df = pd.DataFrame", "city");
    await shot("hover-table");
    return shown;
  });

  await step("hover_steps", async () => {
    const shown = await hoverOn("total += t", "times");
    await shot("hover-steps");
    return shown;
  });

  await step("hover_plot", async () => {
    const shown = await hoverOn("plt.show()", "Figure 1");
    await page.waitForTimeout(500);
    await shot("hover-plot");
    return shown;
  });

  await step("table", async () => {
    await page.mouse.move(5, 5);
    await variableRows().filter({ has: page.locator(".label-name", { hasText: /^df$/ }) }).first().click();
    const frame = await poll(page, "the table view", () => webviewFrame(page, "#body tr"));
    const first = async () => (await frame.locator("#body tr").first().locator("td").allInnerTexts());
    const before = await first();
    const heading = frame.locator("th", { hasText: "temp" }).first();
    await heading.click();
    await poll(page, "ascending sort", async () => ((await frame.locator("th", { hasText: "▲" }).count()) > 0 ? true : undefined));
    await heading.click();
    const sorted = await poll(page, "descending sort", async () => {
      if ((await frame.locator("th", { hasText: "▼" }).count()) === 0) return undefined;
      return first();
    });
    const status = await frame.locator("#status").innerText();
    await frame.locator("#scroll").evaluate((el) => el.scrollTo(0, el.scrollHeight));
    const loaded = await poll(page, "more rows on scrolling", async () => {
      const n = await frame.locator("#body tr").count();
      return n > 200 ? n : undefined;
    });
    await frame.locator("#scroll").evaluate((el) => el.scrollTo(0, 0));
    await shot("table-view");
    return { before, sorted, status, rows: loaded };
  });

  await step("stale", async () => {
    await page.locator(".tabs-container .tab", { hasText: "views.py" }).first().click();
    await palette(page, "View: Close Editors in Other Groups");
    await line("scale = 1").click();
    await page.keyboard.press("End");
    await page.keyboard.type("0");
    await page.keyboard.press("Home");
    await page.waitForTimeout(800);
    const drawn = await poll(page, "stale results", async () => {
      const texts = await inlineTexts(page);
      return texts.some((t) => t.text.startsWith("(stale)")) ? texts : undefined;
    });
    await shot("stale-results");
    return { inline: drawn };
  });
} catch (err) {
  seen.errors.push(String(err.message ?? err));
} finally {
  await browser.close();
  console.log(JSON.stringify(seen));
  process.exit(seen.errors.length ? 1 : 0);
}
