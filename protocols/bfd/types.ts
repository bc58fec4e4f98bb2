/**
 * BFD domain types shared by the codec, the validator and the session core: session states,
 * diagnostic codes, branded wire values and their smart constructors. Pure data; no I/O.
 * RFC 5880 §4.1 (field meanings) and §6.8.1 (state variables).
 */
import type { Brand } from "../common/brand.js";
import { err, ok, type Result } from "../common/result.js";
import type { Micros } from "../common/time.js";

/** Session states (RFC 5880 §4.1 "Sta"); the wire code of each is its index in {@link STATE_CODES}. */
export type SessionState = "AdminDown" | "Down" | "Init" | "Up";

/** Wire order of the two-bit State field: 0 AdminDown, 1 Down, 2 Init, 3 Up. */
export const STATE_CODES: readonly SessionState[] = ["AdminDown", "Down", "Init", "Up"];

/** All states, in wire order, for tables and tests to iterate. */
export const SESSION_STATES: readonly SessionState[] = STATE_CODES;

/** The wire code (0–3) of a state. */
export function stateCode(s: SessionState): number {
  return STATE_CODES.indexOf(s);
}

/**
 * Diagnostic codes (RFC 5880 §4.1 "Diag"). Values 9–31 are reserved; the codec carries them as
 * plain numbers, and the session core only ever sets the named ones.
 */
export const Diag = {
  /** 0: no diagnostic. */
  None: 0,
  /** 1: the Detection Time expired (§6.8.4). */
  ControlDetectionExpired: 1,
  /** 2: the Echo function failed (not used: echo is not implemented). */
  EchoFailed: 2,
  /** 3: the neighbor signalled session down (§6.8.6, received Down/AdminDown). */
  NeighborSignaledDown: 3,
  /** 4: forwarding plane reset. */
  ForwardingPlaneReset: 4,
  /** 5: path down (a lower layer failed; §6.8.16 allows it for AdminDown). */
  PathDown: 5,
  /** 6: concatenated path down. */
  ConcatenatedPathDown: 6,
  /** 7: administratively down (§6.8.16). */
  AdminDown: 7,
  /** 8: reverse concatenated path down. */
  ReverseConcatenatedPathDown: 8,
} as const;

/** A named diagnostic code the core may set. */
export type Diag = (typeof Diag)[keyof typeof Diag];

/** A non-zero 32-bit discriminator (RFC 5880 §6.8.1: bfd.LocalDiscr MUST be non-zero). */
export type Discriminator = Brand<number, "Discriminator">;

/** A Detect Mult of 1–255 (RFC 5880 §4.1: zero is invalid, §6.8.6 discards it). */
export type DetectMult = Brand<number, "DetectMult">;

/** Largest value of a 32-bit wire field (discriminators, intervals in µs, sequence numbers). */
export const U32_MAX = 0xffff_ffff;

/** One second in µs: the floor for bfd.DesiredMinTxInterval while not Up (RFC 5880 §6.8.3). */
export const SLOW_TX_MICROS = 1_000_000 as Micros;

/** Why a configured value was rejected at the edge. */
export type ValueError =
  | { readonly code: "BFD_E_DISCRIMINATOR_RANGE"; readonly value: number }
  | { readonly code: "BFD_E_DETECT_MULT_RANGE"; readonly value: number }
  | { readonly code: "BFD_E_INTERVAL_RANGE"; readonly value: number };

function isU32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= U32_MAX;
}

/** Parse a local or remote discriminator: an integer in 1..2³²−1. */
export function discriminator(n: number): Result<Discriminator, ValueError> {
  return isU32(n) && n !== 0 ? ok(n as Discriminator) : err({ code: "BFD_E_DISCRIMINATOR_RANGE", value: n });
}

/** Parse a Detect Mult: an integer in 1..255. */
export function detectMult(n: number): Result<DetectMult, ValueError> {
  return Number.isInteger(n) && n >= 1 && n <= 255
    ? ok(n as DetectMult)
    : err({ code: "BFD_E_DETECT_MULT_RANGE", value: n });
}

/** Parse a wire interval in µs: an integer in 0..2³²−1 (0 is meaningful for Required Min RX). */
export function intervalMicros(n: number): Result<Micros, ValueError> {
  return isU32(n) ? ok(n as Micros) : err({ code: "BFD_E_INTERVAL_RANGE", value: n });
}

/**
 * Convert microseconds to a wire value, saturating at 2³²−1 instead of wrapping (style guide
 * rule 11: wire conversions saturate).
 */
export function saturateMicros(n: number): Micros {
  if (!Number.isFinite(n) || n <= 0) return 0 as Micros;
  return Math.min(Math.floor(n), U32_MAX) as Micros;
}
