/**
 * The `prosepy` settings the server reads, built from this extension's contributed
 * configuration. Client-only keys (`prosepy.server.*`, `prosepy.inline.*`, `prosepy.trace.*`)
 * stay here, and unset optional values (null) are left out so the server keeps its defaults.
 */
import * as vscode from "vscode";

const CLIENT_ONLY = ["server.", "inline.", "trace."];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

type Section = { properties?: object };

/** Keys under `prosepy.` the server understands, from package.json, e.g. `model.nThreads`. */
export function serverKeys(packageJSON: unknown): string[] {
  // the settings are contributed in titled sections (an array); a single object is also valid
  const configuration = (packageJSON as { contributes?: { configuration?: Section | Section[] } })
    ?.contributes?.configuration;
  const sections = Array.isArray(configuration) ? configuration : configuration ? [configuration] : [];
  const props: Record<string, unknown> = {};
  for (const section of sections) Object.assign(props, section.properties ?? {});
  return Object.keys(props)
    .filter((key) => key.startsWith("prosepy."))
    .map((key) => key.slice("prosepy.".length))
    .filter((key) => !CLIENT_ONLY.some((prefix) => key.startsWith(prefix)));
}

/**
 * The nested camelCase object the server's `parse_settings` takes. `runPython`, when given,
 * is the interpreter chosen for the user's code (see userPython.ts) and fills `run.python`.
 */
export function serverSettings(
  keys: string[],
  scope?: vscode.ConfigurationScope,
  runPython?: string,
): Record<string, Json> {
  const config = vscode.workspace.getConfiguration("prosepy", scope);
  const out: Record<string, Json> = {};
  for (const key of keys) {
    const value = config.get<Json>(key);
    if (value === undefined || value === null) {
      continue;
    }
    const parts = key.split(".");
    let node = out;
    for (const part of parts.slice(0, -1)) {
      const child = node[part];
      if (child === undefined || child === null || typeof child !== "object" || Array.isArray(child)) {
        node[part] = {};
      }
      node = node[part] as Record<string, Json>;
    }
    node[parts[parts.length - 1]] = value;
  }
  if (runPython) {
    const run = (out.run ?? {}) as Record<string, Json>;
    out.run = { ...run, python: runPython };
  }
  return out;
}
