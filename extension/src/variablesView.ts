/**
 * The Variables view (in the panel, beside Problems and Output): the run session's variables of
 * the Python file in front
 * (from the server's `prosepy/variables`), refreshed after each run and when another Python
 * file comes to the front. A click goes to the line that last assigned the variable; tables open in
 * the table view.
 */
import * as vscode from "vscode";
import { LanguageClient } from "vscode-languageclient/node";
import { OpenTableArgs, Variable, VARIABLES } from "./protocol";

export const VIEW_ID = "prosepy.variables";
export const OPEN_TABLE_COMMAND = "prosepy.editor.openTable";
export const REVEAL_COMMAND = "prosepy.editor.revealVariable";

class VariableItem extends vscode.TreeItem {
  constructor(
    readonly variable: Variable,
    readonly uri: string,
  ) {
    super(variable.name, vscode.TreeItemCollapsibleState.None);
    const shape = variable.shape?.length ? ` ${variable.shape.join("×")}` : "";
    this.description = `${variable.type}${shape} · ${variable.summary}`;
    const tooltip = new vscode.MarkdownString();
    tooltip.appendText(`${variable.name}: ${variable.type}${shape}\n\n${variable.summary}`);
    if (variable.line !== undefined) tooltip.appendText(`\n\nassigned on line ${variable.line + 1}`);
    this.tooltip = tooltip;
    this.contextValue = variable.table ? "prosepyTable" : "prosepyVariable";
    this.iconPath = new vscode.ThemeIcon(variable.table ? "table" : "symbol-variable");
    this.command = variable.table
      ? { command: OPEN_TABLE_COMMAND, title: "Open in Table View", arguments: [this.tableArgs()] }
      : { command: REVEAL_COMMAND, title: "Go to Assignment", arguments: [this] };
  }

  tableArgs(): OpenTableArgs {
    return { uri: this.uri, name: this.variable.name, line: this.variable.line };
  }
}

export class VariablesView implements vscode.TreeDataProvider<VariableItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private items: VariableItem[] = [];
  private readonly view: vscode.TreeView<VariableItem>;
  private readonly disposables: vscode.Disposable[] = [];
  private shownUri = "";

  constructor(private readonly client: () => LanguageClient | undefined) {
    this.view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this });
    this.disposables.push(
      this.view,
      this.changed,
      vscode.window.onDidChangeActiveTextEditor(() => void this.refresh()),
      vscode.commands.registerCommand(REVEAL_COMMAND, (item: VariableItem) => this.reveal(item)),
      vscode.commands.registerCommand("prosepy.editor.refreshVariables", () => this.refresh()),
      vscode.commands.registerCommand("prosepy.editor.showVariables", async () => {
        await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
        await this.refresh();
      }),
    );
  }

  getTreeItem(item: VariableItem): vscode.TreeItem {
    return item;
  }

  getChildren(item?: VariableItem): VariableItem[] {
    return item ? [] : this.items;
  }

  /** Ask the server for the active Python file's variables (or for `uri`'s after its run). */
  async refresh(uri?: string): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const active = editor?.document.languageId === "python" ? editor.document.uri.toString() : undefined;
    if (uri && active && uri !== active) return; // a run of a file that is not in front
    // another Python file in front shows its variables; a table, plot or output keeps the last
    const target = active ?? uri ?? (this.shownUri || undefined);
    const client = this.client();
    if (!target || !client?.isRunning()) {
      this.show([], "", "Run some code of a Python file to see its variables here.");
      return;
    }
    try {
      const answer = await client.sendRequest<{ variables: Variable[] }>(VARIABLES, { uri: target });
      const name = vscode.Uri.parse(target).path.split("/").pop() ?? target;
      this.show(answer.variables, target, answer.variables.length ? "" : `No variables yet in ${name}: run some of it.`);
    } catch (err) {
      this.show([], target, `Could not read the variables: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private show(variables: Variable[], uri: string, message: string): void {
    this.shownUri = uri;
    this.items = variables.map((v) => new VariableItem(v, uri));
    this.view.message = message || undefined;
    if (uri) {
      this.view.description = vscode.Uri.parse(uri).path.split("/").pop();
    }
    this.changed.fire();
  }

  private async reveal(item: VariableItem): Promise<void> {
    if (item.variable.line === undefined) return;
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(item.uri));
    const editor = await vscode.window.showTextDocument(document, { preserveFocus: false });
    const position = new vscode.Position(item.variable.line, 0);
    editor.selection = new vscode.Selection(position, position);
    editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  dispose(): void {
    this.disposables.forEach((d) => void d.dispose());
  }
}
