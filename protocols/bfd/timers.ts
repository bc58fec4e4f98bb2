/**
 * Timer arithmetic for a session (RFC 5880 §6.8.2–§6.8.4, §6.8.7): the negotiated transmit
 * interval, the Detection Time, the slow-start floor and per-packet jitter. Jitter draws from a
 * small PRNG whose state lives in the session (seeded from the injected `Random` at creation), so
 * `step` stays a pure function of its inputs and replays exactly in tests.
 */
import type { Micros } from "../common/time.js";
import { SLOW_TX_MICROS, type SessionState } from "./types.js";

/** A 32-bit PRNG step (the public-domain "mulberry32" mix): returns a value in [0, 1) and the next state. */
export function nextRandom(state: number): { readonly value: number; readonly state: number } {
  const next = (state + 0x6d2b79f5) >>> 0;
  let r = Math.imul(next ^ (next >>> 15), next | 1);
  r ^= r + Math.imul(r ^ (r >>> 7), r | 61);
  return { value: ((r ^ (r >>> 14)) >>> 0) / 4_294_967_296, state: next };
}

/**
 * §6.8.7: each periodic interval is reduced by a random 0–25 %, so it lies in [75 %, 100 %) of the
 * nominal value; with bfd.DetectMult 1 it MUST lie in [75 %, 90 %].
 */
export function jitterFraction(u: number, localDetectMult: number): number {
  return localDetectMult === 1 ? 0.75 + 0.15 * u : 0.75 + 0.25 * u;
}

/**
 * §6.8.3: while the session is not Up, bfd.DesiredMinTxInterval MUST be at least one second; once
 * Up it is the configured value.
 */
export function desiredTxFor(state: SessionState, configured: Micros): Micros {
  return state === "Up" ? configured : (Math.max(configured, SLOW_TX_MICROS) as Micros);
}

/** §6.8.7: the periodic interval is the larger of our Desired Min TX and the remote's Required Min RX. */
export function txIntervalMicros(desiredMinTx: Micros, remoteMinRx: Micros): number {
  return Math.max(desiredMinTx, remoteMinRx);
}

/**
 * §6.8.4, asynchronous mode: the remote's Detect Mult × max(our Required Min RX, the remote's last
 * Desired Min TX). Returns null when detection cannot run: nothing heard yet (multiplier 0), or
 * our Required Min RX is 0 — we asked the peer not to send (§6.8.1, §6.8.16), so silence is not
 * a failure.
 */
export function detectionTimeMicros(
  remoteDetectMult: number,
  requiredMinRx: Micros,
  remoteDesiredMinTx: Micros,
): number | null {
  if (remoteDetectMult === 0 || requiredMinRx === 0) return null;
  return remoteDetectMult * Math.max(requiredMinRx, remoteDesiredMinTx);
}

/** Microseconds to the core's millisecond clock. */
export function microsToMs(us: number): number {
  return us / 1000;
}
