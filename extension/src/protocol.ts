/**
 * The messages prosepy's server adds to LSP. Every feature also works through standard
 * requests alone; these notifications only let VS Code show more (status bar, colours).
 */

/** `prosepy/modelStatus`: where the model is, for the status bar. */
export const MODEL_STATUS = "prosepy/modelStatus";

export type ModelState = "not loaded" | "loading" | "ready" | "generating" | "error";

export interface ModelStatus {
  state: ModelState;
  detail: string;
  /** The model's name (a file name, or name @ URL for an OpenAI-compatible server). */
  model: string;
  /** Tokens generated so far (while generating) or by the last request. */
  tokens: number | null;
}

/** What the status bar shows before a server has said anything. */
export const NOT_LOADED: ModelStatus = { state: "not loaded", detail: "", model: "", tokens: null };

/**
 * `prosepy/runResult`: the outcome of one run, written to the run output (the server's
 * `RunResult.to_protocol`; every field is always there).
 */
export const RUN_RESULT = "prosepy/runResult";

export interface RunLine {
  /** 0-based line of the document the text belongs at the end of. */
  line: number;
  /** "→ 5050", short enough for an inlay hint. */
  text: string;
  /** The whole repr (capped). */
  full: string;
}

export interface RunError {
  type: string;
  message: string;
  /** 0-based document line that raised, when it is in the document. */
  line: number | null;
  traceback: string;
}

export interface RunResult {
  uri: string;
  version: number | null;
  ok: boolean;
  durationMs: number;
  lines: RunLine[];
  stdout: string;
  stderr: string;
  outputDropped: number;
  error: RunError | null;
  sessionRestarted: boolean;
  notes: string[];
  layers: string[];
  strength: "strong" | "medium" | "weak";
  unrestricted: string[];
  mode: "session" | "fresh";
  /** 0-based first and last document lines the run covered. */
  range: { firstLine: number; lastLine: number };
  /** Figures the run drew (matplotlib), as PNG. */
  images: RunImage[];
  /** What assignments inside loops took, per line. */
  steps: StepHistory[];
  /** Table-shaped values shown on lines: their first rows and a handle for `prosepy/table`. */
  tables: TablePreview[];
}

export interface RunImage {
  line: number;
  mime: "image/png";
  /** base64 of the PNG (checked by the server to be one). */
  data: string;
  width: number;
  height: number;
}

export interface StepHistory {
  line: number;
  names: string[];
  first: string[];
  last: string[];
  count: number;
}

export interface TableColumn {
  name: string;
  dtype: string;
}

/** A window of a table (`prosepy/table`'s answer; a preview in `tables[]`). */
export interface TableWindow {
  kind: string;
  /** [rows, columns] of the whole value. */
  shape: number[];
  columns: TableColumn[];
  /** Cells as text, exactly as the value's str() gave them (show them as text, never as HTML). */
  rows: string[][];
  offset: number;
  /** Row labels (a pandas index), or null. */
  index: string[] | null;
  sortBy: number | null;
  descending: boolean;
}

export interface TablePreview extends TableWindow {
  line: number;
  handle: string;
  name: string | null;
}

/** `prosepy/variables`: the variables of a document's run session. */
export const VARIABLES = "prosepy/variables";

export interface Variable {
  name: string;
  type: string;
  summary: string;
  shape?: number[];
  /** 0-based line that last assigned it, where known. */
  line?: number;
  /** Whether `prosepy/table` can page through it. */
  table: boolean;
}

/** `prosepy/table`: one page of a table-shaped value, read from the run session. */
export const TABLE = "prosepy/table";

export interface TableRequest {
  uri: string;
  handle?: string;
  name?: string;
  offset: number;
  limit: number;
  sortBy: number | null;
  descending: boolean;
}

/** What the hover's "Open the whole table" link and the variables view pass to the table view. */
export interface OpenTableArgs {
  uri: string;
  handle?: string | null;
  name?: string | null;
  line?: number;
}

/**
 * `prosepy/inlineResults`: what to draw after each line of a document, sent after every run
 * and whenever an edit moves or drops a result. The server follows the lines; the client
 * draws exactly these items.
 */
export const INLINE_RESULTS = "prosepy/inlineResults";

export interface InlineItem {
  /** 0-based document line the label goes after. */
  line: number;
  kind: "value" | "printed" | "error" | "steps" | "image";
  /** One line, with its marker (→, ⤷, ✗, ↻, ▣), short enough to draw. */
  label: string;
  /** The whole text behind the label (the value's repr, the output, the traceback). */
  detail: string;
  /** A line above that it depends on was edited after it ran (the label says "(stale)"). */
  stale: boolean;
}

export interface InlineResults {
  uri: string;
  version: number | null;
  items: InlineItem[];
}

/** The kind of the server's "Generate code" code actions (a quick fix, marked as generation). */
export const GENERATE_KIND = "quickfix.prosepy.generate";

/** Result of `prosepy.explainWithModel`. */
export type ExplainResult =
  | { text: string; cached: boolean; finishReason: string; language: string }
  | { error: string };

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
