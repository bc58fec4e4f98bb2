/**
 * VPP client error codes (thrown as `DomainError` at the client boundary).
 * Refusals of LB calls also carry VPP's `retval` in `details.retval`.
 */
import { DomainError } from "../../protocols/common/domain-error.js";

/** Stable codes of the VPP adapter. */
export type VppErrorCode =
  /** The socket could not be opened (VPP not running, permissions). */
  | "VPP_E_CONNECT"
  /** `sockclnt_create` failed or its reply was malformed. */
  | "VPP_E_HANDSHAKE"
  /** VPP's message table lacks a `name_crc` we need (e.g. LB API < 1.2.0). */
  | "VPP_E_MISSING_MESSAGE"
  /** A request was made while not connected. */
  | "VPP_E_NOT_CONNECTED"
  /** No reply within the per-request deadline. */
  | "VPP_E_TIMEOUT"
  /** The connection dropped while the request was outstanding. */
  | "VPP_E_DISCONNECTED"
  /** VPP answered with a non-zero retval (see `details.retval`). */
  | "VPP_E_RETVAL"
  /** A reply for this request did not decode. */
  | "VPP_E_DECODE"
  /** The byte stream broke framing (absurd length); the connection is dropped. */
  | "VPP_E_FRAME_TOO_LARGE"
  /** The client was stopped. */
  | "VPP_E_STOPPED";

/** A VPP adapter error. */
export class VppError extends DomainError<VppErrorCode> {
  override readonly name: string = "VppError";
}

/** The retval of a `VPP_E_RETVAL` error, if that is what `e` is. */
export function vppRetval(e: unknown): number | undefined {
  if (!(e instanceof VppError) || e.code !== "VPP_E_RETVAL") return undefined;
  const rv = e.details["retval"];
  return typeof rv === "number" ? rv : undefined;
}
