/**
 * The getting-started walkthrough (package.json `walkthroughs`): model ready → setup report →
 * a first `# nl:` request. Its buttons are the commands registered here.
 */
import * as vscode from "vscode";

export const WALKTHROUGH_ID = "prosepy.gettingStarted";
export const INSTALL_MODEL_COMMAND = "prosepy.editor.installModel";
export const TRY_EXAMPLE_COMMAND = "prosepy.editor.tryExample";
const EXAMPLE = "# nl: 计算 1 到 100 的和\n";

/** Open the walkthrough from a notification the user can also dismiss. */
export async function offerWalkthrough(context: vscode.ExtensionContext, message: string): Promise<void> {
  const pick = await vscode.window.showInformationMessage(`prosepy: ${message}`, "Get started", "Setup report");
  if (pick === "Get started") {
    await vscode.commands.executeCommand(
      "workbench.action.openWalkthrough",
      `${context.extension.id}#${WALKTHROUGH_ID}`,
      false,
    );
  }
  if (pick === "Setup report") await vscode.commands.executeCommand("prosepy.editor.doctor");
}

/** A new Python file holding the headline request, the cursor on it, ready for Ctrl+. */
async function tryExample(): Promise<void> {
  const document = await vscode.workspace.openTextDocument({ language: "python", content: EXAMPLE });
  const editor = await vscode.window.showTextDocument(document);
  const end = document.lineAt(0).range.end;
  editor.selection = new vscode.Selection(end, end);
  void vscode.window.showInformationMessage(
    "prosepy: press Ctrl+. (or Alt+P G) on the # nl: line and choose Generate code, then Alt+P F to run the file.",
  );
}

export function registerFirstUse(
  _context: vscode.ExtensionContext,
  actions: { installModel: (python?: string) => Promise<void> },
): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(INSTALL_MODEL_COMMAND, actions.installModel),
    vscode.commands.registerCommand(TRY_EXAMPLE_COMMAND, tryExample),
  ];
}
