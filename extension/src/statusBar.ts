/**
 * The status bar item showing the model's state from `prosepy/modelStatus`; clicking it
 * shows the details (and, on error, ways to fix it).
 */
import * as vscode from "vscode";
import { ModelStatus, NOT_LOADED } from "./protocol";

export const SHOW_STATUS_COMMAND = "prosepy.editor.modelStatus";

const LOOK: Record<string, { icon: string; label: string }> = {
  "not loaded": { icon: "$(circle-outline)", label: "model not loaded" },
  loading: { icon: "$(loading~spin)", label: "loading model" },
  ready: { icon: "$(check)", label: "model ready" },
  generating: { icon: "$(loading~spin)", label: "generating" },
  error: { icon: "$(error)", label: "model error" },
  "server starting": { icon: "$(loading~spin)", label: "starting" },
  "server stopped": { icon: "$(debug-disconnect)", label: "server stopped" },
};

export class ModelStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private status: ModelStatus = NOT_LOADED;
  private serverState: "starting" | "running" | "stopped" = "starting";
  private serverProblem = "";

  constructor() {
    this.item = vscode.window.createStatusBarItem("prosepy.model", vscode.StatusBarAlignment.Right, 100);
    this.item.name = "prosepy model";
    this.item.command = SHOW_STATUS_COMMAND;
    this.render();
    this.item.show();
  }

  update(status: ModelStatus): void {
    this.status = status;
    this.render();
  }

  setServerState(state: "starting" | "running" | "stopped", problem = ""): void {
    this.serverState = state;
    this.serverProblem = problem;
    this.render();
  }

  /** Text for the details message (and for tests that read the item's tooltip). */
  describe(): string {
    if (this.serverState !== "running") {
      return this.serverState === "stopped"
        ? `The prosepy server is not running. ${this.serverProblem}`.trim()
        : "The prosepy server is starting.";
    }
    const s = this.status;
    const parts = [`Model: ${s.model || "(default)"}`, `State: ${s.state}`];
    if (s.tokens) {
      parts.push(`Tokens: ${s.tokens}`);
    }
    if (s.detail) {
      parts.push(s.detail);
    }
    return parts.join("\n");
  }

  get isError(): boolean {
    return this.serverState === "stopped" || this.status.state === "error";
  }

  private render(): void {
    const key = this.serverState === "running" ? this.status.state : `server ${this.serverState}`;
    const look = LOOK[key] ?? { icon: "$(question)", label: String(key) };
    let label = look.label;
    if (key === "generating" && this.status.tokens) {
      label = `generating · ${this.status.tokens} tok`;
    }
    this.item.text = `${look.icon} prosepy: ${label}`;
    this.item.tooltip = this.describe();
    this.item.backgroundColor = this.isError ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
    this.item.accessibilityInformation = { label: `prosepy ${label}` };
  }

  dispose(): void {
    this.item.dispose();
  }
}
