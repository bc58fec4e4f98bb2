/**
 * Reads and validates the YAML config file. Stages, each of which can fail
 * with every issue it found (not just the first):
 *   1. read the file                        → CFG_E_READ
 *   2. parse YAML, keeping node positions   → CFG_E_YAML
 *   3. schema: strict keys, types, defaults → CFG_E_INVALID
 *   4. decode (durations → Millis)
 *   5. semantic cross-object rules          → CFG_E_INVALID
 * Nothing here touches the running daemon, so SIGHUP reload can call it and
 * keep the old config on any failure (maglev-vpp.md §2.7).
 */
import { readFile } from "node:fs/promises";
import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { LineCounter, parseDocument } from "yaml";
import { err, ok, type Result } from "../../protocols/common/result.js";
import { ConfigError, type ConfigIssue } from "./issue.js";
import { documentLocator } from "./locate.js";
import { type Config, ConfigSchema } from "./schema.js";
import { schemaIssues } from "./schema-errors.js";
import { defaultRules, type SemanticRule, validateSemantics } from "./semantics.js";

/** Options for parsing: which semantic rules to run (default: `defaultRules`). */
export interface LoadOptions {
  readonly rules?: readonly SemanticRule[];
}

// Alias expansion bound: a few anchors are handy, a billion laughs is not.
const MAX_ALIAS_COUNT = 100;

/**
 * Pre-pass before defaults, guided by the schema:
 * - an empty value where a mapping is expected (`api:`, a pool member `b1:`)
 *   means an empty mapping; YAML gives null there;
 * - a list where a mapping is expected is reported here, because TypeBox's
 *   default pass would merge the list into an object (`{"0": …}`) and the
 *   operator would see a baffling `unknown key "0"`.
 * A null where a scalar is expected is left alone and fails as a type error.
 */
function normalise(
  schema: TSchema,
  value: unknown,
  path: (string | number)[],
  lists: (string | number)[][],
): unknown {
  const isObj = schema["type"] === "object";
  if (value === null && isObj) return {};
  if (Array.isArray(value)) {
    if (isObj) {
      lists.push(path);
      return {};
    }
    const items = schema["items"] as TSchema | undefined;
    return items === undefined ? value : value.map((v, i) => normalise(items, v, [...path, i], lists));
  }
  if (!isObj || value === null || typeof value !== "object") return value;
  const props = (schema["properties"] ?? {}) as Record<string, TSchema>;
  const pattern = schema["patternProperties"] as Record<string, TSchema> | undefined;
  const each = pattern === undefined ? undefined : Object.values(pattern)[0];
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const sub = Object.hasOwn(props, k) ? props[k] : each;
    out[k] = sub === undefined ? v : normalise(sub, v, [...path, k], lists);
  }
  return out;
}

function byPosition(a: ConfigIssue, b: ConfigIssue): number {
  return a.line - b.line || a.col - b.col;
}

/** Parse and validate config text. Never throws; `file` is only used in issues. */
export function parseConfigText(
  text: string,
  file: string,
  options: LoadOptions = {},
): Result<Config, ConfigError> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => {
      const pos = e.linePos?.[0] ?? { line: 0, col: 0 };
      // prettyErrors appends a source excerpt after the first line; keep only the sentence.
      const message = (e.message.split("\n")[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, "");
      return { file, line: pos.line, col: pos.col, path: "", message };
    });
    return err(new ConfigError("CFG_E_YAML", issues));
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e: unknown) {
    const message = e instanceof Error ? e.message : String(e);
    return err(new ConfigError("CFG_E_YAML", [{ file, line: 1, col: 1, path: "", message }]));
  }
  const locate = documentLocator(doc, lines, file);
  // A file with only comments has no document body: same as an empty mapping.
  const lists: (string | number)[][] = [];
  const normalised = normalise(ConfigSchema, raw ?? {}, [], lists);
  const withDefaults = Value.Default(ConfigSchema, normalised);
  const structural = [
    ...lists.map((p) => locate(p, "expected a mapping, got a list")),
    ...schemaIssues(Value.Errors(ConfigSchema, withDefaults), withDefaults, locate),
  ];
  if (structural.length > 0) return err(new ConfigError("CFG_E_INVALID", structural.sort(byPosition)));
  const config = Value.Decode(ConfigSchema, withDefaults);
  const semantic = validateSemantics(config, locate, options.rules ?? defaultRules);
  if (semantic.length > 0) return err(new ConfigError("CFG_E_INVALID", semantic.sort(byPosition)));
  return ok(config);
}

/** Read and validate a config file. Never throws; read failures are `CFG_E_READ`. */
export async function readConfigFile(
  path: string,
  options: LoadOptions = {},
): Promise<Result<Config, ConfigError>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e: unknown) {
    const reason = e instanceof Error && "code" in e ? `${String(e.code)}: ${e.message}` : String(e);
    return err(new ConfigError("CFG_E_READ", [{ file: path, line: 0, col: 0, path: "", message: reason }]));
  }
  return parseConfigText(text, path, options);
}

/** Read and validate a config file, throwing `ConfigError` (the daemon's boundary form). */
export async function loadConfigFile(path: string, options: LoadOptions = {}): Promise<Config> {
  const r = await readConfigFile(path, options);
  if (!r.ok) throw r.error;
  return r.value;
}

/** The config an empty file yields: every default applied. */
export function defaultConfig(): Config {
  return Value.Decode(ConfigSchema, Value.Default(ConfigSchema, {}));
}
