/**
 * The table view: a whole table-shaped value of a run session (a DataFrame, an array, a list
 * of rows) in a webview, scrolled and sorted by asking the server for pages (`prosepy/table`):
 * the value stays in the sandbox, only the rows on screen travel. Cells are inserted as text,
 * never as HTML.
 */
import * as vscode from "vscode";
import { LanguageClient } from "vscode-languageclient/node";
import { OpenTableArgs, TABLE, TableRequest, TableWindow } from "./protocol";

const PAGE_ROWS = 200;

interface PageAsk {
  type: "page";
  seq: number;
  offset: number;
  sortBy: number | null;
  descending: boolean;
}

export class TableViews implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();

  constructor(private readonly client: () => LanguageClient | undefined) {}

  open(args: OpenTableArgs): void {
    if (!args || typeof args.uri !== "string" || (!args.handle && !args.name)) {
      void vscode.window.showWarningMessage("prosepy: no table to open here.");
      return;
    }
    const key = `${args.uri}#${args.name ?? args.handle}`;
    const known = this.panels.get(key);
    if (known) {
      known.reveal(undefined, false);
      known.webview.postMessage({ type: "reload" }).then(undefined, () => undefined);
      return;
    }
    const file = vscode.Uri.parse(args.uri).path.split("/").pop() ?? "";
    const title = args.name ? `${args.name} (${file})` : `table at ${file}:${(args.line ?? 0) + 1}`;
    const panel = vscode.window.createWebviewPanel("prosepy.table", `prosepy: ${title}`, vscode.ViewColumn.Beside, {
      enableScripts: true,
      retainContextWhenHidden: true,
    });
    this.panels.set(key, panel);
    panel.onDidDispose(() => this.panels.delete(key));
    panel.webview.onDidReceiveMessage((message: PageAsk) => void this.page(panel, args, message));
    panel.webview.html = html(title, nonce());
  }

  private async page(panel: vscode.WebviewPanel, args: OpenTableArgs, ask: PageAsk): Promise<void> {
    if (ask?.type !== "page") return;
    const client = this.client();
    if (!client?.isRunning()) {
      await panel.webview.postMessage({ type: "error", seq: ask.seq, message: "the prosepy server is not running" });
      return;
    }
    const request: TableRequest = {
      uri: args.uri,
      offset: ask.offset,
      limit: PAGE_ROWS,
      sortBy: ask.sortBy,
      descending: ask.descending,
    };
    if (args.name) request.name = args.name;
    else if (args.handle) request.handle = args.handle;
    try {
      const window = await client.sendRequest<TableWindow>(TABLE, request);
      await panel.webview.postMessage({ type: "page", seq: ask.seq, window });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await panel.webview.postMessage({ type: "error", seq: ask.seq, message });
    }
  }

  dispose(): void {
    for (const panel of this.panels.values()) panel.dispose();
    this.panels.clear();
  }
}

function nonce(): string {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from({ length: 32 }, () => chars[Math.floor(Math.random() * chars.length)]).join("");
}

function html(title: string, n: string): string {
  const safeTitle = title.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${n}'; script-src 'nonce-${n}';">
<title>${safeTitle}</title>
<style nonce="${n}">
  body { padding: 0; margin: 0; font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); color: var(--vscode-foreground); }
  header { position: sticky; top: 0; padding: 6px 10px; background: var(--vscode-editor-background); border-bottom: 1px solid var(--vscode-panel-border); z-index: 2; }
  #status { color: var(--vscode-descriptionForeground); }
  #scroll { overflow: auto; height: calc(100vh - 34px); }
  table { border-collapse: collapse; }
  th, td { padding: 2px 10px; border-bottom: 1px solid var(--vscode-panel-border); white-space: pre; text-align: right; }
  th { position: sticky; top: 0; background: var(--vscode-sideBar-background, var(--vscode-editor-background)); cursor: pointer; user-select: none; }
  th .dtype { display: block; font-weight: normal; font-size: 85%; color: var(--vscode-descriptionForeground); }
  td.index, th.index { color: var(--vscode-descriptionForeground); text-align: left; cursor: default; }
  tr:hover td { background: var(--vscode-list-hoverBackground); }
  .error { color: var(--vscode-errorForeground); padding: 10px; }
</style></head>
<body><header><span id="title"></span> <span id="status">loading…</span></header>
<div id="scroll"><table><thead><tr id="head"></tr></thead><tbody id="body"></tbody></table></div>
<script nonce="${n}">
const vscode = acquireVsCodeApi();
const state = { seq: 0, offset: 0, total: 0, loading: false, sortBy: null, descending: false, shape: null };
const scroll = document.getElementById("scroll");
const text = (tag, value, cls) => { const el = document.createElement(tag); el.textContent = value; if (cls) el.className = cls; return el; };
document.getElementById("title").textContent = ${JSON.stringify(title)};
function ask(reset) {
  if (reset) { state.offset = 0; document.getElementById("body").replaceChildren(); }
  state.loading = true; state.seq += 1;
  vscode.postMessage({ type: "page", seq: state.seq, offset: state.offset, sortBy: state.sortBy, descending: state.descending });
}
function header(w) {
  const row = document.getElementById("head"); row.replaceChildren();
  if (w.index) row.appendChild(text("th", "", "index"));
  w.columns.forEach((c, i) => {
    const mark = state.sortBy === i ? (state.descending ? " ▼" : " ▲") : "";
    const th = text("th", c.name + mark); th.appendChild(text("span", c.dtype, "dtype"));
    th.title = "Sort by " + c.name;
    th.addEventListener("click", () => {
      state.descending = state.sortBy === i ? !state.descending : false; state.sortBy = i; ask(true);
    });
    row.appendChild(th);
  });
}
window.addEventListener("message", (event) => {
  const m = event.data;
  if (m.type === "reload") { ask(true); return; }
  if (m.seq !== state.seq) return;
  state.loading = false;
  if (m.type === "error") { document.getElementById("status").textContent = ""; const b = document.getElementById("body"); b.replaceChildren(); const tr = document.createElement("tr"); tr.appendChild(text("td", m.message, "error")); b.appendChild(tr); return; }
  const w = m.window; state.total = w.shape[0];
  if (w.offset === 0) header(w);
  const body = document.getElementById("body");
  w.rows.forEach((cells, r) => {
    const tr = document.createElement("tr");
    if (w.index) tr.appendChild(text("td", w.index[r] ?? "", "index"));
    cells.forEach((c) => tr.appendChild(text("td", c)));
    body.appendChild(tr);
  });
  state.offset = w.offset + w.rows.length;
  const cols = w.shape[1] ?? w.columns.length;
  document.getElementById("status").textContent =
    w.kind + " · " + state.total.toLocaleString() + " rows × " + cols.toLocaleString() + " columns · showing 1–" + state.offset.toLocaleString() +
    (w.columns.length < cols ? " · first " + w.columns.length + " columns" : "");
  if (scroll.scrollHeight <= scroll.clientHeight + 50 && state.offset < state.total) ask(false);
});
scroll.addEventListener("scroll", () => {
  if (!state.loading && state.offset < state.total && scroll.scrollTop + scroll.clientHeight > scroll.scrollHeight - 300) ask(false);
});
ask(true);
</script></body></html>`;
}
