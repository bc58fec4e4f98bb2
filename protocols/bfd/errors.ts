/**
 * Typed reasons for discarding a received Control packet. Every discard the core makes names one
 * of these, so the shell can count drops by reason (`…_dropped_total{reason}`) without the core
 * keeping counters. Each code maps to the RFC 5880 §6.8.6 step that mandates it, and tests use the
 * step numbers to check the order of the checks.
 */
import type { DecodeErrorCode } from "./packet.js";

/** Authentication failures (RFC 5880 §6.7, §6.8.6 step 12). */
export type AuthFailureCode =
  /** Auth Type differs from the configured one (§6.7.2–§6.7.4). */
  | "AUTH_TYPE_MISMATCH"
  /** Auth Key ID names no configured key. */
  | "AUTH_KEY_UNKNOWN"
  /** Simple password does not match (§6.7.2). */
  | "AUTH_BAD_PASSWORD"
  /** MD5 / SHA1 digest does not match (§6.7.3, §6.7.4). */
  | "AUTH_BAD_DIGEST"
  /** Sequence number outside the acceptance window: a replay or a stale packet (§6.7.3). */
  | "AUTH_SEQUENCE";

/** Every reason a received packet is discarded. */
export type DiscardCode =
  | DecodeErrorCode
  /** §6.8.6 step 4: Detect Mult is zero. */
  | "DETECT_MULT_ZERO"
  /** §6.8.6 step 5: the Multipoint bit is set. */
  | "MULTIPOINT"
  /** §6.8.6 step 6: My Discriminator is zero. */
  | "MY_DISCR_ZERO"
  /** §6.8.6 step 7: Your Discriminator selects no session (or not this one). */
  | "YOUR_DISCR_UNKNOWN"
  /** §6.8.6 step 8: Your Discriminator is zero while the sender is neither Down nor AdminDown. */
  | "YOUR_DISCR_ZERO_NOT_DOWN"
  /** §6.8.6 step 9: no session matches the source address / interface. */
  | "NO_SESSION"
  /** RFC 5881 §5 (single hop: TTL must be 255) / RFC 5883 §5 (multihop: TTL below the minimum). */
  | "TTL"
  /** §6.8.6 step 10: A bit set but no authentication configured. */
  | "AUTH_UNEXPECTED"
  /** §6.8.6 step 11: A bit clear but authentication configured. */
  | "AUTH_MISSING"
  | AuthFailureCode
  /** §6.8.6 step 17: the local session is AdminDown (after the remote's values were recorded). */
  | "LOCAL_ADMIN_DOWN";

/** A discard with its code and the offending value (0 when there is none), for logs. */
export interface Discard {
  readonly code: DiscardCode;
  readonly detail: number;
}

/**
 * The §6.8.6 step each discard enforces. Codec shape errors share steps 2–3 (length); the TTL
 * check has no step in RFC 5880 and runs just before authentication (step 10), where RFC 5881 §5
 * allows it when authentication is in use; auth failures are step 12.
 */
export const DISCARD_STEP: Readonly<Record<DiscardCode, number>> = {
  TRUNCATED: 1,
  BAD_VERSION: 1,
  LENGTH_BELOW_MINIMUM: 2,
  LENGTH_EXCEEDS_PAYLOAD: 3,
  LENGTH_MISMATCH: 3,
  AUTH_TYPE_UNKNOWN: 3,
  AUTH_LENGTH_INVALID: 3,
  DETECT_MULT_ZERO: 4,
  MULTIPOINT: 5,
  MY_DISCR_ZERO: 6,
  YOUR_DISCR_UNKNOWN: 7,
  YOUR_DISCR_ZERO_NOT_DOWN: 8,
  NO_SESSION: 9,
  TTL: 9.5,
  AUTH_UNEXPECTED: 10,
  AUTH_MISSING: 11,
  AUTH_TYPE_MISMATCH: 12,
  AUTH_KEY_UNKNOWN: 12,
  AUTH_BAD_PASSWORD: 12,
  AUTH_BAD_DIGEST: 12,
  AUTH_SEQUENCE: 12,
  LOCAL_ADMIN_DOWN: 17,
};
