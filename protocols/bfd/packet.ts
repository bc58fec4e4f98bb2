/**
 * BFD Control packet codec (RFC 5880 §4.1–§4.4). `decode` is total: any byte string yields a
 * packet or a typed error, never an exception. `encode` is its inverse. The codec checks only
 * what it must to parse — the first three steps of §6.8.6 (version, minimum length, Length
 * within the payload) and the shape of the authentication section; the remaining field checks
 * (Detect Mult, M bit, discriminators) are the validator's, in RFC order (validate.ts).
 */
import { err, ok, type Result } from "../common/result.js";
import type { Micros } from "../common/time.js";
import { STATE_CODES, type SessionState, stateCode } from "./types.js";

/** Protocol version carried in every packet (RFC 5880 §4.1). */
export const BFD_VERSION = 1;
/** Size of the mandatory section in bytes. */
export const MANDATORY_LENGTH = 24;
/** Smallest Length with the A bit set: mandatory section plus Auth Type and Auth Len (§6.8.6). */
export const MIN_AUTH_LENGTH = 26;

/** Authentication types (RFC 5880 §4.1 "Auth Type"); the wire code is the index + 1. */
export type AuthType = "simple" | "keyed-md5" | "meticulous-md5" | "keyed-sha1" | "meticulous-sha1";
/** Auth types in wire order (1..5). */
export const AUTH_TYPES: readonly AuthType[] = [
  "simple",
  "keyed-md5",
  "meticulous-md5",
  "keyed-sha1",
  "meticulous-sha1",
];

/** Digest length of each digest-carrying auth type: MD5 16 bytes (§4.3), SHA1 20 bytes (§4.4). */
export function digestLength(t: Exclude<AuthType, "simple">): 16 | 20 {
  return t === "keyed-md5" || t === "meticulous-md5" ? 16 : 20;
}

/** Simple password section (§4.2): Auth Len = 3 + password length, password 1–16 bytes. */
export interface SimplePasswordAuth {
  readonly type: "simple";
  readonly keyId: number;
  readonly password: Uint8Array;
}

/**
 * Keyed / meticulous keyed MD5 (§4.3, Auth Len 24) or SHA1 (§4.4, Auth Len 28). The reserved
 * byte is sent as zero and ignored on receipt, so it is not represented.
 */
export interface DigestAuth {
  readonly type: Exclude<AuthType, "simple">;
  readonly keyId: number;
  readonly sequence: number;
  readonly digest: Uint8Array;
}

/** The optional authentication section; its presence is the A bit. */
export type AuthSection = SimplePasswordAuth | DigestAuth;

/**
 * A decoded Control packet. Fields are the raw wire values: a packet that decodes may still be
 * discarded by §6.8.6 (zero Detect Mult, M bit, zero My Discriminator…). The version is always 1
 * and the A bit is `auth !== null`, so neither is stored.
 */
export interface ControlPacket {
  /** Diag, 0–31 (9–31 reserved but carried). */
  readonly diag: number;
  readonly state: SessionState;
  /** P: Poll. */
  readonly poll: boolean;
  /** F: Final. */
  readonly final: boolean;
  /** C: Control Plane Independent. */
  readonly controlPlaneIndependent: boolean;
  /** D: Demand. */
  readonly demand: boolean;
  /** M: Multipoint, reserved; must be zero (§6.8.6 discards it). */
  readonly multipoint: boolean;
  /** Detect Mult, 0–255 as received. */
  readonly detectMult: number;
  readonly myDiscr: number;
  readonly yourDiscr: number;
  readonly desiredMinTx: Micros;
  readonly requiredMinRx: Micros;
  readonly requiredMinEchoRx: Micros;
  readonly auth: AuthSection | null;
}

/** Why bytes are not a Control packet. The first four follow §6.8.6 steps 1–3 in order. */
export type DecodeErrorCode =
  /** Fewer than 4 bytes: the version/length fields cannot even be read. */
  | "TRUNCATED"
  /** §6.8.6 step 1: version is not 1. */
  | "BAD_VERSION"
  /** §6.8.6 step 2: Length < 24, or < 26 with the A bit set. */
  | "LENGTH_BELOW_MINIMUM"
  /** §6.8.6 step 3: Length exceeds the UDP payload. */
  | "LENGTH_EXCEEDS_PAYLOAD"
  /** Length is not 24 (A clear) or 24 + Auth Len (A set): the sections do not add up. */
  | "LENGTH_MISMATCH"
  /** Auth Type 0 or 6–255 (reserved, §4.1). */
  | "AUTH_TYPE_UNKNOWN"
  /** Auth Len wrong for the type (§6.7.2–§6.7.4 discard rules). */
  | "AUTH_LENGTH_INVALID";

/** A decode failure with its code and the offending value, for logs. */
export interface DecodeError {
  readonly code: DecodeErrorCode;
  readonly detail: number;
}

const FLAG_P = 0x20;
const FLAG_F = 0x10;
const FLAG_C = 0x08;
const FLAG_A = 0x04;
const FLAG_D = 0x02;
const FLAG_M = 0x01;

function fail(code: DecodeErrorCode, detail: number): Result<ControlPacket, DecodeError> {
  return err({ code, detail });
}

/**
 * Decode one Control packet from a UDP payload. Bytes beyond the Length field are ignored
 * (§6.8.6 only discards when Length exceeds the payload). Never throws.
 */
export function decode(bytes: Uint8Array): Result<ControlPacket, DecodeError> {
  if (bytes.length < 4) {
    // Step 1 can still be judged from byte 0 when it exists.
    const b0 = bytes[0];
    if (b0 !== undefined && b0 >> 5 !== BFD_VERSION) return fail("BAD_VERSION", b0 >> 5);
    return fail("TRUNCATED", bytes.length);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const b0 = view.getUint8(0);
  const b1 = view.getUint8(1);
  const length = view.getUint8(3);
  const hasAuth = (b1 & FLAG_A) !== 0;
  if (b0 >> 5 !== BFD_VERSION) return fail("BAD_VERSION", b0 >> 5);
  if (length < (hasAuth ? MIN_AUTH_LENGTH : MANDATORY_LENGTH)) return fail("LENGTH_BELOW_MINIMUM", length);
  if (length > bytes.length) return fail("LENGTH_EXCEEDS_PAYLOAD", length);
  let auth: AuthSection | null = null;
  if (hasAuth) {
    const parsed = decodeAuth(bytes, view, length);
    if (!parsed.ok) return parsed;
    auth = parsed.value;
  } else if (length !== MANDATORY_LENGTH) {
    // RFC 5880 only sets a lower bound; a longer Length without an auth section has no defined
    // content, and accepting it would make `encode` lossy, so we reject it (README: divergences).
    return fail("LENGTH_MISMATCH", length);
  }
  return ok({
    diag: b0 & 0x1f,
    state: STATE_CODES[b1 >> 6] ?? "AdminDown",
    poll: (b1 & FLAG_P) !== 0,
    final: (b1 & FLAG_F) !== 0,
    controlPlaneIndependent: (b1 & FLAG_C) !== 0,
    demand: (b1 & FLAG_D) !== 0,
    multipoint: (b1 & FLAG_M) !== 0,
    detectMult: view.getUint8(2),
    myDiscr: view.getUint32(4),
    yourDiscr: view.getUint32(8),
    desiredMinTx: view.getUint32(12) as Micros,
    requiredMinRx: view.getUint32(16) as Micros,
    requiredMinEchoRx: view.getUint32(20) as Micros,
    auth,
  });
}

function decodeAuth(bytes: Uint8Array, view: DataView, length: number): Result<AuthSection, DecodeError> {
  const typeCode = view.getUint8(24);
  const authLen = view.getUint8(25);
  const type = AUTH_TYPES[typeCode - 1];
  if (type === undefined) return err({ code: "AUTH_TYPE_UNKNOWN", detail: typeCode });
  const expected = type === "simple" ? authLen : 8 + digestLength(type);
  // §4.2: password 1–16 bytes, so Auth Len 4–19; §4.3/§4.4: exactly 24 / 28.
  const lenOk = type === "simple" ? authLen >= 4 && authLen <= 19 : authLen === expected;
  if (!lenOk) return err({ code: "AUTH_LENGTH_INVALID", detail: authLen });
  if (MANDATORY_LENGTH + authLen !== length) return err({ code: "LENGTH_MISMATCH", detail: length });
  const keyId = view.getUint8(26);
  // Copies, so the packet never aliases the caller's receive buffer.
  const at = (from: number, to: number): Uint8Array => bytes.slice(from, to);
  if (type === "simple") return ok({ type, keyId, password: at(27, MANDATORY_LENGTH + authLen) });
  return ok({ type, keyId, sequence: view.getUint32(28), digest: at(32, MANDATORY_LENGTH + authLen) });
}

/** Auth Len of a section as it goes on the wire. */
export function authSectionLength(a: AuthSection): number {
  return a.type === "simple" ? 3 + Math.min(a.password.length, 16) : 8 + digestLength(a.type);
}

/**
 * Encode a packet (version 1, Length = 24 + Auth Len). The caller supplies well-formed values
 * (the session core builds them from branded types); out-of-range numbers are masked to their
 * field width rather than thrown on, and a password or digest is written at its declared length.
 */
export function encode(p: ControlPacket): Uint8Array {
  const authLen = p.auth === null ? 0 : authSectionLength(p.auth);
  const out = new Uint8Array(MANDATORY_LENGTH + authLen);
  const view = new DataView(out.buffer);
  view.setUint8(0, (BFD_VERSION << 5) | (p.diag & 0x1f));
  const flags =
    (p.poll ? FLAG_P : 0) |
    (p.final ? FLAG_F : 0) |
    (p.controlPlaneIndependent ? FLAG_C : 0) |
    (p.auth !== null ? FLAG_A : 0) |
    (p.demand ? FLAG_D : 0) |
    (p.multipoint ? FLAG_M : 0);
  view.setUint8(1, (stateCode(p.state) << 6) | flags);
  view.setUint8(2, p.detectMult & 0xff);
  view.setUint8(3, out.length);
  view.setUint32(4, p.myDiscr >>> 0);
  view.setUint32(8, p.yourDiscr >>> 0);
  view.setUint32(12, p.desiredMinTx >>> 0);
  view.setUint32(16, p.requiredMinRx >>> 0);
  view.setUint32(20, p.requiredMinEchoRx >>> 0);
  if (p.auth !== null) {
    view.setUint8(24, AUTH_TYPES.indexOf(p.auth.type) + 1);
    view.setUint8(25, authLen);
    view.setUint8(26, p.auth.keyId & 0xff);
    if (p.auth.type === "simple") {
      out.set(p.auth.password.subarray(0, 16), 27);
    } else {
      view.setUint8(27, 0); // reserved (§4.3)
      view.setUint32(28, p.auth.sequence >>> 0);
      out.set(p.auth.digest.subarray(0, digestLength(p.auth.type)), 32);
    }
  }
  return out;
}
