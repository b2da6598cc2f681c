/**
 * The "prosepy: Plots" panel beside the editor: every figure runs drew (`images` of
 * `prosepy/runResult`), newest first, with the file and line that drew it. It opens (without
 * taking the focus) when a run draws something, and keeps the last MAX_PLOTS figures.
 */
import * as vscode from "vscode";
import { RunResult } from "./protocol";

const MAX_PLOTS = 50;

interface Plot {
  caption: string;
  data: string;
  width: number;
  height: number;
}

export class PlotsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private plots: Plot[] = [];

  /** Add a run's figures; returns how many there were. */
  add(result: RunResult): number {
    const images = (result.images ?? []).filter((i) => i.mime === "image/png" && /^[A-Za-z0-9+/=]+$/.test(i.data));
    if (!images.length) return 0;
    const file = vscode.Uri.parse(result.uri).path.split("/").pop() ?? result.uri;
    const stamp = new Date().toLocaleTimeString();
    const added = images.map((image, n) => ({
      caption: `${file}:${image.line + 1} · figure ${n + 1} of ${images.length} · ${image.width}×${image.height} · ${stamp}`,
      data: image.data,
      width: image.width,
      height: image.height,
    }));
    this.plots = [...added.reverse(), ...this.plots].slice(0, MAX_PLOTS);
    this.show(true);
    return images.length;
  }

  show(preserveFocus = false): void {
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(
        "prosepy.plots",
        "prosepy: Plots",
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
        { enableScripts: false, retainContextWhenHidden: true },
      );
      this.panel.onDidDispose(() => (this.panel = undefined));
    } else if (!this.panel.visible) {
      this.panel.reveal(undefined, preserveFocus);
    }
    this.panel.webview.html = this.html();
  }

  clear(): void {
    this.plots = [];
    if (this.panel) this.panel.webview.html = this.html();
  }

  private html(): string {
    const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    const figures = this.plots
      .map(
        (p) =>
          `<figure><img src="data:image/png;base64,${p.data}" width="${p.width}" height="${p.height}" alt="${escape(p.caption)}">` +
          `<figcaption>${escape(p.caption)}</figcaption></figure>`,
      )
      .join("\n");
    const empty = '<p class="empty">No plots yet: run code that draws with matplotlib.</p>';
    return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline';">
<style>
  body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 8px 12px; }
  figure { margin: 0 0 18px 0; }
  img { max-width: 100%; height: auto; background: white; border: 1px solid var(--vscode-panel-border); }
  figcaption { color: var(--vscode-descriptionForeground); font-size: 90%; margin-top: 4px; }
  .empty { color: var(--vscode-descriptionForeground); }
</style></head><body>${figures || empty}</body></html>`;
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
