/**
 * Operator actions persisted in the embedded store (DESIGN.md, Persistence:
 * "backend admin state"), collection `backend-admin`, one record per backend
 * keyed by its name: `{ "action": "pause" | "disable" | "enable" }`, the last
 * action that left the backend in a state the config alone would not give.
 *
 * A fresh backend actor replays the record right after its initial state, so
 * a pause or disable survives a daemon restart and a crash-restart of the
 * actor, and an `enable` overrides `enabled: false` in the config. `resume`
 * deletes the record (the config state is what remains). A backend removed
 * from the config, or whose check changed (§2.7: the YAML is then
 * authoritative), loses its record.
 */
import { err, ok, type Result } from "../../protocols/common/result.js";
import type { CollectionSpec } from "../../dataplane/store/index.js";

/** A persisted operator action. */
export interface AdminRecord {
  readonly action: "pause" | "disable" | "enable";
}

const ACTIONS = new Set(["pause", "disable", "enable"]);

/** Parse a stored value (untrusted: the file may have been edited by hand). */
export function decodeAdminRecord(value: unknown): Result<AdminRecord, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return err("not an object");
  const keys = Object.keys(value);
  const action = (value as Record<string, unknown>)["action"];
  if (keys.length !== 1 || typeof action !== "string" || !ACTIONS.has(action)) {
    return err('expected exactly { "action": "pause" | "disable" | "enable" }');
  }
  return ok({ action: action as AdminRecord["action"] });
}

/** The `backend-admin` collection (schema v1; there never was an unversioned layout). */
export const BACKEND_ADMIN: CollectionSpec<AdminRecord> = {
  name: "backend-admin",
  schemaVersion: 1,
  migrations: [() => err("backend-admin has no unversioned layout")],
  decode: decodeAdminRecord,
};

/** The minimal store surface the actors need (the real `Collection` satisfies it). */
export interface AdminStore {
  get(name: string): { readonly value: AdminRecord } | undefined;
  put(name: string, value: AdminRecord): Promise<unknown>;
  delete(name: string): Promise<boolean>;
}
