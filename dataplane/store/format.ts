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
 */
export function encodeCollection<T>(spec: CollectionSpec<T>, state: CollectionState<T>): string {
  const sorted = [...state.records.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const records =
    sorted.length === 0
      ? "{}"
      : `{\n${sorted
          .map(
            (r) =>
              `    ${JSON.stringify(r.key)}: {\n      "version": ${JSON.stringify(r.version)},\n      "updatedAt": ${JSON.stringify(r.updatedAt)},\n      "value": ${indented(r.value, "      ")}\n    }`,
          )
          .join(",\n")}\n  }`;
  return `{\n  "schemaVersion": ${JSON.stringify(spec.schemaVersion)},\n  "collection": ${JSON.stringify(spec.name)},\n  "generation": ${JSON.stringify(state.generation)},\n  "records": ${records}\n}\n`;
}

/** `JSON.stringify(v, null, 2)` with every line after the first indented by `pad`. */
function indented(v: unknown, pad: string): string {
  const text = JSON.stringify(v, null, 2) ?? "null";
  return text.includes("\n") ? text.replaceAll("\n", `\n${pad}`) : text;
}
