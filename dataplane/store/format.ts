/**
 * The on-disk layout of one collection and its pure decode/encode. Decision:
 * one JSON file per collection (`<state-dir>/<name>.json`), so collections
 * are written independently and a bad file damages only its own collection.
 *
 * ```json
 * { "schemaVersion": 2, "collection": "bfd-peers", "generation": 17,
 *   "records": { "<key>": { "version": 3, "updatedAt": "<ISO-8601>", "value": … } } }
 * ```
 * - `generation` counts committed writes of the file (monotonic);
 * - `version` counts writes of one record (for `expectVersion` preconditions);
 * - `updatedAt` is wall-clock time, for operators only, never used for logic.
 * A file without `schemaVersion` is version 0 (the layout before versioning).
 * No checksum: torn files cannot happen with atomic replace, JSON parsing
 * catches truncation anyway, and a checksum would punish careful hand edits.
 */
import { err, ok, type Result } from "../../protocols/common/result.js";
import type { StoreErrorCode } from "./errors.js";

/**
 * One upgrade step, `vN → vN+1`, over the whole parsed document. Steps from
 * v1 on see (and return) the envelope above; the loader stamps
 * `schemaVersion` after each step. Untrusted input: return an error, do not
 * throw (a throw is caught and reported as STORE_E_MIGRATE anyway).
 */
export type Migration = (doc: unknown) => Result<unknown, string>;

/** What a collection declares about its records. */
export interface CollectionSpec<T> {
  /** File name stem: lowercase letters, digits and hyphens (`bfd-peers`). */
  readonly name: string;
  /** The current schema version; `migrations.length` must equal it. */
  readonly schemaVersion: number;
  /** `migrations[n]` upgrades vN to vN+1. */
  readonly migrations: readonly Migration[];
  /** Validate one record value read from disk (parse, don't trust). */
  readonly decode: (value: unknown) => Result<T, string>;
}

/** A record as stored. */
export interface StoredRecord<T> {
  readonly key: string;
  readonly version: number;
  readonly updatedAt: string;
  readonly value: T;
}

/** The committed state of a collection. */
export interface CollectionState<T> {
  readonly generation: number;
  readonly records: ReadonlyMap<string, StoredRecord<T>>;
}

/** A decode failure: which code and why. */
export interface FormatError {
  readonly code: StoreErrorCode;
  readonly message: string;
}

/** The result of decoding a file: its state and the version it was stored at. */
export interface Decoded<T> {
  readonly state: CollectionState<T>;
  readonly storedVersion: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

const ENVELOPE_KEYS = new Set(["schemaVersion", "collection", "generation", "records"]);
const RECORD_KEYS = new Set(["version", "updatedAt", "value"]);

function migrate(spec: CollectionSpec<unknown>, doc: unknown, from: number): Result<unknown, FormatError> {
  let cur = doc;
  for (let v = from; v < spec.schemaVersion; v++) {
    const step = spec.migrations[v];
    if (step === undefined) return err({ code: "STORE_E_MIGRATE", message: `no migration from v${v}` });
    let r: Result<unknown, string>;
    try {
      r = step(cur);
    } catch (e: unknown) {
      r = err(e instanceof Error ? e.message : String(e));
    }
    if (!r.ok) return err({ code: "STORE_E_MIGRATE", message: `migration v${v}→v${v + 1}: ${r.error}` });
    cur = isRecord(r.value) ? { ...r.value, schemaVersion: v + 1 } : r.value;
  }
  return ok(cur);
}

/** Decode a collection file's text, migrating older versions. Never throws. */
export function decodeCollection<T>(spec: CollectionSpec<T>, text: string): Result<Decoded<T>, FormatError> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e: unknown) {
    return err({
      code: "STORE_E_CORRUPT",
      message: `not JSON: ${e instanceof Error ? e.message : String(e)}`,
    });
  }
  if (!isRecord(doc)) return err({ code: "STORE_E_CORRUPT", message: "top level is not an object" });
  const stored = doc["schemaVersion"] ?? 0;
  if (!isCount(stored))
    return err({ code: "STORE_E_CORRUPT", message: "schemaVersion is not a non-negative integer" });
  if (stored > spec.schemaVersion) {
    return err({
      code: "STORE_E_VERSION",
      message: `schemaVersion ${stored} is newer than this build's ${spec.schemaVersion}`,
    });
  }
  const migrated = migrate(spec as CollectionSpec<unknown>, doc, stored);
  if (!migrated.ok) return migrated;
  const env = migrated.value;
  if (!isRecord(env)) return err({ code: "STORE_E_CORRUPT", message: "envelope is not an object" });
  const extra = Object.keys(env).find((k) => !ENVELOPE_KEYS.has(k));
  if (extra !== undefined)
    return err({ code: "STORE_E_CORRUPT", message: `unknown envelope key "${extra}"` });
  if (env["collection"] !== spec.name) {
    return err({
      code: "STORE_E_CORRUPT",
      message: `file belongs to collection ${JSON.stringify(env["collection"])}`,
    });
  }
  const generation = env["generation"];
  if (!isCount(generation))
    return err({ code: "STORE_E_CORRUPT", message: "generation is not a non-negative integer" });
  const raw = env["records"];
  if (!isRecord(raw)) return err({ code: "STORE_E_CORRUPT", message: "records is not an object" });
  const records = new Map<string, StoredRecord<T>>();
  for (const [key, rec] of Object.entries(raw)) {
    const bad = (why: string) =>
      err({ code: "STORE_E_CORRUPT" as const, message: `record ${JSON.stringify(key)}: ${why}` });
    if (!isRecord(rec)) return bad("not an object");
    const extraKey = Object.keys(rec).find((k) => !RECORD_KEYS.has(k));
    if (extraKey !== undefined) return bad(`unknown key "${extraKey}"`);
    const { version, updatedAt } = rec;
    if (!isCount(version) || version < 1) return bad("version is not a positive integer");
    if (typeof updatedAt !== "string") return bad("updatedAt is not a string");
    const value = spec.decode(rec["value"]);
    if (!value.ok) return bad(value.error);
    records.set(key, { key, version, updatedAt, value: value.value });
  }
  return ok({ state: { generation, records }, storedVersion: stored });
}

/**
 * Encode a state as the current file layout (pretty-printed for operators):
 * the text of `JSON.stringify(doc, null, 2)`, written record by record. A
 * 10,000-prefix `PUT /prefix` is persisted before it is announced, and
 * stringifying one 10,000-key object (which V8 keeps as a dictionary) was
 * most of that write's CPU (bench/ddm). A record keyed `__proto__` is kept
 * (assigning it into an object literal would have set the prototype).
 *
 * The text is collected as pieces that already exist (keys, values, the
 * constant layout) and joined once: every string built along the way would
 * live until the end and be copied by the young-generation GC, a large part
 * of a cold call's CPU (bench/store/encode.ts). The record header is
 * built once per run of records with the same `version` and `updatedAt` (one
 * commit stamps all its records alike), and a flat value (an object of
 * strings, numbers, booleans and nulls: every DDM record) is written without
 * `JSON.stringify`; any other value goes through it.
 */
export function encodeCollection<T>(spec: CollectionSpec<T>, state: CollectionState<T>): string {
  const head = `{\n  "schemaVersion": ${JSON.stringify(spec.schemaVersion)},\n  "collection": ${JSON.stringify(spec.name)},\n  "generation": ${JSON.stringify(state.generation)},\n  "records": `;
  const sorted = [...state.records.values()].sort(byKey);
  if (sorted.length === 0) return `${head}{}\n}\n`;
  const parts: string[] = [head];
  const names = new Map<string, MemberName>();
  let version: unknown;
  let updatedAt: unknown;
  let header = "";
  for (let i = 0; i < sorted.length; i++) {
    const r = sorted[i] as StoredRecord<T>;
    if (i === 0 || r.version !== version || r.updatedAt !== updatedAt) {
      version = r.version;
      updatedAt = r.updatedAt;
      header = `": {\n      "version": ${JSON.stringify(r.version)},\n      "updatedAt": ${JSON.stringify(r.updatedAt)},\n      "value": `;
    }
    const key = escaped(r.key);
    parts.push(i === 0 ? '{\n    "' : ',\n    "', key, header);
    if (!pushFlat(parts, r.value, r.key, key, names)) parts.push(indented(r.value, "      "), "\n    }");
  }
  parts.push("\n  }\n}\n");
  return parts.join("");
}

/** The order of records in the file (by UTF-16 code units, as `<` compares). */
function byKey(a: StoredRecord<unknown>, b: StoredRecord<unknown>): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** `JSON.stringify(v, null, 2)` with every line after the first indented by `pad`. */
function indented(v: unknown, pad: string): string {
  const text = JSON.stringify(v, null, 2) ?? "null";
  return text.includes("\n") ? text.replaceAll("\n", `\n${pad}`) : text;
}

/**
 * Any character `JSON.stringify` escapes in a string: `"`, `\`, controls and
 * lone surrogates (a surrogate pair is left as it is, but handing it over is
 * only slower, not wrong).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `JSON.stringify(s)` for a string, without its quotes. */
function escaped(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s).slice(1, -1) : s;
}

/**
 * The text before a member's value in a flat record value, as the first
 * member (after `{`) and as a later one (after `,`); then both again with the
 * opening quote of a string value.
 */
type MemberName = readonly [string, string, string, string];

function memberName(names: Map<string, MemberName>, k: string): MemberName {
  let name = names.get(k);
  if (name === undefined) {
    const line = `\n        "${escaped(k)}": `;
    name = [`{${line}`, `,${line}`, `{${line}"`, `,${line}"`];
    names.set(k, name);
  }
  return name;
}

const VALUE_END = "\n      }\n    }";
const STRING_VALUE_END = `"${VALUE_END}`;

/**
 * Push the text of a record's value and the record's end, exactly as
 * `indented(v, "      ")` and `"\n    }"` would be, when `v` is a plain
 * object whose values are all strings, numbers, booleans or null (in
 * `Object.keys` order, which is `JSON.stringify`'s); otherwise push nothing
 * and answer false. A string equal to the record's key reuses its escape.
 */
function pushFlat(
  parts: string[],
  v: unknown,
  key: string,
  keyText: string,
  names: Map<string, MemberName>,
): boolean {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  if ((proto !== Object.prototype && proto !== null) || "toJSON" in v) return false;
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 0) {
    parts.push("{}\n    }");
    return true;
  }
  const start = parts.length;
  const last = keys.length - 1;
  for (let i = 0; i <= last; i++) {
    const k = keys[i] as string;
    const x = obj[k];
    const name = memberName(names, k);
    if (typeof x === "string") {
      parts.push(
        name[i === 0 ? 2 : 3],
        x === key ? keyText : escaped(x),
        i === last ? STRING_VALUE_END : '"',
      );
      continue;
    }
    let text: string;
    if (typeof x === "number") text = Number.isFinite(x) ? `${x}` : "null";
    else if (typeof x === "boolean") text = x ? "true" : "false";
    else if (x === null) text = "null";
    else {
      parts.length = start;
      return false;
    }
    parts.push(name[i === 0 ? 0 : 1], text);
    if (i === last) parts.push(VALUE_END);
  }
  return true;
}
