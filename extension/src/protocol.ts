/**
 * The messages prosepy's server adds to LSP. Every feature also works through standard
 * requests alone; these notifications only let VS Code show more (status bar, colours).
 */

/** `prosepy/modelStatus`: where the model is, for the status bar. */
export const MODEL_STATUS = "prosepy/modelStatus";

export type ModelState = "not loaded" | "loading" | "ready" | "generating" | "error";

export interface ModelStatus {
  state: ModelState;
  detail?: string | null;
  model?: string | null;
  tokens?: number | null;
}

/** `prosepy/runResult`: the outcome of one run, drawn inline and written to the run output. */
export const RUN_RESULT = "prosepy/runResult";

export interface RunLine {
  /** 0-based line of the document the text belongs at the end of. */
  line: number;
  text: string;
}

export interface RunError {
  type: string;
  message: string;
  /** 0-based document line that raised, when it is in the document. */
  line?: number | null;
  traceback?: string | null;
}

export interface RunResult {
  uri: string;
  version?: number | null;
  ok: boolean;
  durationMs?: number | null;
  lines?: RunLine[];
  stdout?: string;
  stderr?: string;
  error?: RunError | null;
  sessionRestarted?: boolean;
  layers?: string[] | null;
  strength?: string | null;
  /** 0-based first and last document lines the run covered. */
  range?: { firstLine: number; lastLine: number } | null;
}

/** The server's `workspace/executeCommand` commands (names reserved by the server). */
export const ServerCommand = {
  generate: "prosepy.generate",
  run: "prosepy.run",
  runCell: "prosepy.runCell",
  runFile: "prosepy.runFile",
  restartSession: "prosepy.restartSession",
  cancelRun: "prosepy.cancelRun",
  explainWithModel: "prosepy.explainWithModel",
  doctor: "prosepy.doctor",
} as const;

/** Result of `prosepy.doctor`. */
export interface DoctorReport {
  text: string;
  checks: { section: string; name: string; status: string; detail: string; fix?: string }[];
}
