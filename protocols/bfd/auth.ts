/**
 * BFD authentication (RFC 5880 §6.7): simple password, keyed and meticulous keyed MD5, keyed and
 * meticulous keyed SHA1. Pure functions: the sequence-number state lives in the session, and
 * `node:crypto` is used only for hashing. Digests are computed over the whole packet with the
 * key, zero-padded, in the digest field (§6.7.3, §6.7.4).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { err, ok, type Result } from "../common/result.js";
import type { Millis } from "../common/time.js";
import type { AuthFailureCode } from "./errors.js";
import { type AuthType, type ControlPacket, digestLength, encode } from "./packet.js";
import type { ReceivedPacket } from "./validate.js";

/** One configured key: its Key ID and secret (password for simple auth). */
export interface AuthKey {
  readonly id: number;
  readonly secret: Uint8Array;
}

/** A session's authentication settings. Build with {@link authConfig}. */
export interface AuthConfig {
  readonly type: AuthType;
  /** Keys accepted on receipt (more than one allows a rollover). */
  readonly keys: readonly AuthKey[];
  /** The key used to sign transmitted packets. */
  readonly txKeyId: number;
}

/** Why an authentication config was rejected. */
export type AuthConfigError =
  | { readonly code: "BFD_E_AUTH_NO_KEYS" }
  | { readonly code: "BFD_E_AUTH_KEY_ID"; readonly id: number }
  | { readonly code: "BFD_E_AUTH_SECRET_LENGTH"; readonly id: number; readonly length: number }
  | { readonly code: "BFD_E_AUTH_TX_KEY_UNKNOWN"; readonly id: number };

/** Longest secret per type: a 16-byte password (§4.2), MD5 key ≤ 16 (§4.3), SHA1 key ≤ 20 (§4.4). */
export function maxSecretLength(type: AuthType): number {
  return type === "simple" ? 16 : digestLength(type);
}

/** Parse an auth config: ids 0–255 and unique, secrets 1..max bytes, the TX key configured. */
export function authConfig(
  type: AuthType,
  keys: readonly AuthKey[],
  txKeyId: number,
): Result<AuthConfig, AuthConfigError> {
  if (keys.length === 0) return err({ code: "BFD_E_AUTH_NO_KEYS" });
  const seen = new Set<number>();
  for (const k of keys) {
    if (!Number.isInteger(k.id) || k.id < 0 || k.id > 255 || seen.has(k.id)) {
      return err({ code: "BFD_E_AUTH_KEY_ID", id: k.id });
    }
    seen.add(k.id);
    if (k.secret.length < 1 || k.secret.length > maxSecretLength(type)) {
      return err({ code: "BFD_E_AUTH_SECRET_LENGTH", id: k.id, length: k.secret.length });
    }
  }
  if (!seen.has(txKeyId)) return err({ code: "BFD_E_AUTH_TX_KEY_UNKNOWN", id: txKeyId });
  return ok({ type, keys: keys.map((k) => ({ id: k.id, secret: Uint8Array.from(k.secret) })), txKeyId });
}

/** Meticulous variants require a strictly increasing sequence (§6.7.3, §6.7.4). */
export function isMeticulous(type: AuthType): boolean {
  return type === "meticulous-md5" || type === "meticulous-sha1";
}

/** Receive-side sequence state: bfd.RcvAuthSeq and bfd.AuthSeqKnown (§6.8.1). */
export interface RcvSeqState {
  readonly known: boolean;
  readonly rcvSeq: number;
}

/** The key zero-padded (or cut) to the digest length, as it sits in the digest field. */
function paddedKey(secret: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len);
  out.set(secret.subarray(0, len));
  return out;
}

function hash(type: Exclude<AuthType, "simple">, data: Uint8Array): Uint8Array {
  const algo = type === "keyed-md5" || type === "meticulous-md5" ? "md5" : "sha1";
  return new Uint8Array(createHash(algo).update(data).digest());
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * §6.7.2–§6.7.4 receive: authenticate a packet whose A bit is set (step 10/11 already checked),
 * returning the new receive sequence state. The sequence window uses the received Detect Mult:
 * keyed accepts [RcvAuthSeq, RcvAuthSeq + 3·DetectMult], meticulous (RcvAuthSeq, … + 3·DetectMult],
 * both modulo 2³². Unknown sequence state learns the packet's number (AuthSeqKnown 0 → 1).
 */
export function verify(
  packet: ReceivedPacket,
  config: AuthConfig,
  seq: RcvSeqState,
): Result<RcvSeqState, AuthFailureCode> {
  const a = packet.auth;
  if (a === null || a.type !== config.type) return err("AUTH_TYPE_MISMATCH");
  const key = config.keys.find((k) => k.id === a.keyId);
  if (key === undefined) return err("AUTH_KEY_UNKNOWN");
  if (a.type === "simple") {
    return sameBytes(a.password, key.secret) ? ok(seq) : err("AUTH_BAD_PASSWORD");
  }
  if (seq.known) {
    const ahead = (a.sequence - seq.rcvSeq) >>> 0;
    const lowest = isMeticulous(a.type) ? 1 : 0;
    if (ahead < lowest || ahead > 3 * packet.detectMult) return err("AUTH_SEQUENCE");
  }
  const dl = digestLength(a.type);
  const scratch = Uint8Array.from(packet.raw);
  scratch.set(paddedKey(key.secret, dl), 32);
  if (!sameBytes(hash(a.type, scratch), a.digest)) return err("AUTH_BAD_DIGEST");
  return ok({ known: true, rcvSeq: a.sequence });
}

/**
 * §6.7.2–§6.7.4 transmit: add the auth section to `packet` (whose `auth` is ignored) using the
 * configured TX key and `xmitSeq` (bfd.XmitAuthSeq), returning the wire bytes and the packet as
 * sent. The caller advances the sequence with {@link nextXmitSeq}.
 */
export function sign(
  packet: ControlPacket,
  config: AuthConfig,
  xmitSeq: number,
): { readonly bytes: Uint8Array; readonly packet: ControlPacket } {
  const key = config.keys.find((k) => k.id === config.txKeyId) ?? config.keys[0];
  const secret = key?.secret ?? new Uint8Array(1);
  const keyId = key?.id ?? 0;
  const type = config.type;
  if (type === "simple") {
    const sent: ControlPacket = { ...packet, auth: { type, keyId, password: secret } };
    return { bytes: encode(sent), packet: sent };
  }
  const dl = digestLength(type);
  const withKey: ControlPacket = {
    ...packet,
    auth: { type, keyId, sequence: xmitSeq >>> 0, digest: paddedKey(secret, dl) },
  };
  const bytes = encode(withKey);
  const digest = hash(type, bytes);
  bytes.set(digest, 32);
  return { bytes, packet: { ...packet, auth: { type, keyId, sequence: xmitSeq >>> 0, digest } } };
}

/**
 * bfd.XmitAuthSeq after one transmitted packet. Meticulous types MUST increment per packet; for
 * the keyed types the RFC only allows it, and we increment per packet too, which keeps replay
 * protection tight and stays inside the receiver's 3·DetectMult window while packets flow.
 * Simple password carries no sequence.
 */
export function nextXmitSeq(type: AuthType, seq: number): number {
  return type === "simple" ? seq : (seq + 1) >>> 0;
}

/**
 * bfd.AuthSeqKnown with its §6.8.1 reset applied lazily: it reverts to 0 once no packet has been
 * accepted for twice the Detection Time. `detectionTime` is the one in force at the last receipt.
 */
export function seqStillKnown(
  seq: RcvSeqState,
  lastRxAt: Millis | null,
  detectionTime: number,
  now: Millis,
): RcvSeqState {
  if (!seq.known) return seq;
  if (lastRxAt === null || now - lastRxAt >= 2 * detectionTime) return { known: false, rcvSeq: seq.rcvSeq };
  return seq;
}
