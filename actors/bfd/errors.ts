/**
 * Typed errors of the BFD subsystem (style guide rule 30). The API maps each code to an HTTP
 * status in `api/routes/bfd.ts`; mgd's statuses are kept where it has one (409 on a duplicate
 * peer, 500 on a bind failure; ddm-bfd-maghemite.md §2.5).
 */
import { DomainError } from "../../protocols/common/domain-error.js";

/** Every BFD error code. */
export type BfdErrorCode =
  /** A session for this peer address exists already (mgd: 409). */
  | "BFD_E_PEER_EXISTS"
  /** No session for this peer address. */
  | "BFD_E_PEER_NOT_FOUND"
  /** A value is out of range or inconsistent (`field` names it). */
  | "BFD_E_INVALID"
  /** A listening socket could not be bound (mgd: 500). */
  | "BFD_E_SOCKET"
  /** The peer could not be written to, or removed from, the store. */
  | "BFD_E_PERSIST"
  /** The peer is declared in the config file; change the file and reload instead. */
  | "BFD_E_CONFIG_PEER"
  /** The BFD subsystem is not running. */
  | "BFD_E_NOT_RUNNING";

/** A BFD error; `details.field` names the offending request field, when there is one. */
export class BfdError extends DomainError<BfdErrorCode> {
  override readonly name = "BfdError";
}

/** An error as it crosses an actor message (plain data). */
export interface BfdFailure {
  readonly code: BfdErrorCode;
  readonly message: string;
  readonly field?: string;
}

/** Turn a failure carried in a message back into a throwable error. */
export function toBfdError(f: BfdFailure): BfdError {
  return new BfdError(f.code, f.message, f.field === undefined ? {} : { field: f.field });
}
