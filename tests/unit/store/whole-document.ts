import type { CollectionSpec, CollectionState, StoredRecord } from "../../../dataplane/store/format.js";

/** Records in the file's order: by key, compared as `encodeCollection` compares them. */
export const byKey = (a: StoredRecord<unknown>, b: StoredRecord<unknown>): number =>
  a.key < b.key ? -1 : a.key > b.key ? 1 : 0;

/** An own, enumerable data property, as JSON.parse makes it (also for `__proto__`). */
export function define(obj: object, k: string, v: unknown): void {
  Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/**
 * The oracle of the collection file: the whole document through one
 * `JSON.stringify(doc, null, 2)`. Only for states without integer-like keys
 * (an object lists those first, the file lists records by key) and whose
 * values are all JSON (the file writes `null` for a value JSON omits).
 */
export function wholeDocument(spec: CollectionSpec<unknown>, state: CollectionState<unknown>): string {
  const records = {};
  for (const r of [...state.records.values()].sort(byKey)) {
    const rec = {};
    define(rec, "version", r.version);
    define(rec, "updatedAt", r.updatedAt);
    define(rec, "value", r.value);
    define(records, r.key, rec);
  }
  const doc = {
    schemaVersion: spec.schemaVersion,
    collection: spec.name,
    generation: state.generation,
    records,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
