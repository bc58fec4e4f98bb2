/**
 * Typed failures of the embedded store. Opening a collection returns these as
 * values (a bad file must never crash the daemon); writes reject with them.
 */
import { DomainError } from "../../protocols/common/domain-error.js";

/** Stable store error codes. */
export type StoreErrorCode =
  /** The file is not valid JSON, has the wrong envelope, belongs to another collection, or holds a record that fails its decoder. Left untouched for the operator. */
  | "STORE_E_CORRUPT"
  /** The file exists but could not be read (permissions, a directory in its place, I/O error). */
  | "STORE_E_READ"
  /** The file's schemaVersion is newer than this build knows (a downgrade); left untouched. */
  | "STORE_E_VERSION"
  /** A migration step rejected the file or threw. */
  | "STORE_E_MIGRATE"
  /** Writing the new state failed; the previous file and in-memory state are unchanged. */
  | "STORE_E_WRITE"
  /** An `expectVersion` precondition did not hold; nothing was written. */
  | "STORE_E_CONFLICT"
  /** Another live daemon holds the state directory's lock. */
  | "STORE_E_LOCKED";

/** A store failure with its collection and file. */
export class StoreError extends DomainError<StoreErrorCode> {
  override readonly name = "StoreError";
}

/** The error message of anything thrown, for wrapping into a `StoreError`. */
export function reason(e: unknown): string {
  if (e instanceof Error)
    return "code" in e && typeof e.code === "string" ? `${e.code}: ${e.message}` : e.message;
  return String(e);
}
