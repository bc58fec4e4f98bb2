/**
 * The single rise/fall health counter (maglev-vpp.md §3.2, anchors.md §4.2).
 *
 * One integer `c ∈ [0, rise + fall − 1]` carries the whole health history;
 * the backend is healthy iff `c ≥ rise`. We follow HAProxy's update rule, of
 * which vpp-maglev's counter is a copy:
 *
 * - pass: `c + 1` (capped at Max); if that reaches `rise`, jump to Max;
 * - fail: `c − 1` (floored at 0); if that drops below `rise`, jump to 0.
 *
 * The jumps are what give hysteresis. §3.2 states it loosely as plain ±1 with
 * clamping, but a plain counter flaps on alternating results at the
 * threshold (`rise−1 ↔ rise`), contradicting §3.2's own hysteresis claims.
 * With the jumps: from fully down (0) exactly `rise` passes bring the backend
 * up, from fully up (Max) exactly `fall` fails bring it down, and results
 * alternating inside either band never change health (for rise, fall ≥ 2).
 *
 * Expedited resolution (§3.2): entering `unknown` pre-loads `rise − 1`, so
 * one pass jumps to Max (up) and one fail drops below `rise`, i.e. to 0
 * (down). The counter is exported as-is by the shell (`backend_health`).
 */
import type { Brand } from "../common/brand.js";
import { err, ok, type Result } from "../common/result.js";
import { type HealthError, healthError } from "./errors.js";

/** Largest accepted rise or fall; far above any sane setting, keeps Max small. */
export const MAX_THRESHOLD = 1000;

/** Validated `rise` and `fall` (integers in 1..{@link MAX_THRESHOLD}). */
export type Thresholds = Brand<{ readonly rise: number; readonly fall: number }, "Thresholds">;

/** Parse `rise` and `fall` at the edge (config, API). */
export function parseThresholds(rise: number, fall: number): Result<Thresholds, HealthError> {
  if (!Number.isInteger(rise) || rise < 1 || rise > MAX_THRESHOLD) {
    return err(healthError("HC_E_INVALID_CONFIG", `rise must be an integer in 1..${MAX_THRESHOLD}`, "rise"));
  }
  if (!Number.isInteger(fall) || fall < 1 || fall > MAX_THRESHOLD) {
    return err(healthError("HC_E_INVALID_CONFIG", `fall must be an integer in 1..${MAX_THRESHOLD}`, "fall"));
  }
  return ok({ rise, fall } as Thresholds);
}

/** The counter's ceiling, `rise + fall − 1` ("fully up"). */
export function counterMax(t: Thresholds): number {
  return t.rise + t.fall - 1;
}

/** The value loaded on entering `unknown`: one pass short of healthy (§3.2). */
export function unknownCounter(t: Thresholds): number {
  return t.rise - 1;
}

/** Derived health: up iff `c ≥ rise`. */
export function isHealthy(c: number, t: Thresholds): boolean {
  return c >= t.rise;
}

/** Counter after a passing probe. */
export function afterPass(c: number, t: Thresholds): number {
  const max = counterMax(t);
  const next = Math.min(c + 1, max);
  return next >= t.rise ? max : next;
}

/** Counter after a failing probe. */
export function afterFail(c: number, t: Thresholds): number {
  const next = Math.max(c - 1, 0);
  return next < t.rise ? 0 : next;
}

/**
 * Where the counter sits, for the adaptive schedule (§3.3) and for display:
 * `fully-down` (0), `recovering` (passes seen, still down), `failing` (fails
 * seen, still up), `fully-up` (Max).
 */
export type CounterBand = "fully-down" | "recovering" | "failing" | "fully-up";

/** Classify a counter value. With rise = 1 there is no `recovering` band; with fall = 1 no `failing` one. */
export function counterBand(c: number, t: Thresholds): CounterBand {
  if (c >= counterMax(t)) return "fully-up";
  if (c >= t.rise) return "failing";
  if (c > 0) return "recovering";
  return "fully-down";
}
