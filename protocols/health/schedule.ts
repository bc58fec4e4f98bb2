/**
 * The adaptive probe schedule (maglev-vpp.md §3.3, HAProxy `inter` /
 * `fastinter` / `downinter` in anchors.md §4.2). Pure: the caller passes the
 * state and a {@link Random}; the result is a delay, never a timer.
 *
 * Thresholds (§3.3 gives the concept [D] and the thresholds only as [I]; we
 * fix them as follows):
 * - `unknown` → fast-interval (resolve the initial state quickly);
 * - `up`, counter at Max → interval;
 * - `up`, counter below Max (failing) → fast-interval;
 * - `down`, counter above 0 (recovering) → fast-interval;
 * - `down`, counter 0 → down-interval;
 * - `paused`, `disabled`, `removed` → no probe at all (§3.1: their probe is
 *   cancelled, not merely ignored; bug 16 in §10).
 *
 * Every delay gets ±10 % uniform jitter (§2.4 [D]; bug 20 in §10) so probes
 * of backends started together drift apart.
 */
import type { Millis, Random } from "../common/time.js";
import { millis } from "../common/time.js";
import { assertNever } from "../common/assert-never.js";
import { counterBand, type Thresholds } from "./counter.js";
import type { ProbeTiming } from "./timing.js";
import type { HealthStatus } from "./types.js";

/** Fraction of jitter applied to every interval: ±10 % (§2.4). */
export const JITTER_FRACTION = 0.1;

/** Which of the three configured periods applies. */
export type IntervalKind = "interval" | "fast-interval" | "down-interval";

/** The period that applies to a backend, or `undefined` when it must not be probed. */
export function intervalKind(status: HealthStatus, counter: number, t: Thresholds): IntervalKind | undefined {
  switch (status) {
    case "unknown":
      return "fast-interval";
    case "up":
      return counterBand(counter, t) === "fully-up" ? "interval" : "fast-interval";
    case "down":
      return counterBand(counter, t) === "fully-down" ? "down-interval" : "fast-interval";
    case "paused":
    case "disabled":
    case "removed":
      return undefined;
    default:
      return assertNever(status, "health status");
  }
}

/** The configured value of an interval kind. */
export function intervalValue(kind: IntervalKind, timing: ProbeTiming): Millis {
  switch (kind) {
    case "interval":
      return timing.interval;
    case "fast-interval":
      return timing.fastInterval;
    case "down-interval":
      return timing.downInterval;
    default:
      return assertNever(kind, "interval kind");
  }
}

/** Map a random draw into [0, 1); a misbehaving source (NaN, out of range) must not break the core. */
function unit(random: Random): number {
  const r = random();
  if (!Number.isFinite(r)) return 0.5;
  return Math.min(Math.max(r, 0), 1);
}

/** `base` scaled by a uniform factor in [1 − f, 1 + f], rounded to whole ms, at least 1 ms. */
export function withJitter(base: Millis, random: Random, fraction = JITTER_FRACTION): Millis {
  const factor = 1 + fraction * (2 * unit(random) - 1);
  return millis(Math.max(1, Math.round(base * factor)));
}

/**
 * Delay until the next probe after a recorded result, or `undefined` when the
 * backend is not probed in its state. Measured from the end of the previous
 * probe, so probes of one backend never overlap even when timeout > interval.
 */
export function nextProbeDelay(
  status: HealthStatus,
  counter: number,
  t: Thresholds,
  timing: ProbeTiming,
  random: Random,
): Millis | undefined {
  const kind = intervalKind(status, counter, t);
  return kind === undefined ? undefined : withJitter(intervalValue(kind, timing), random);
}

/**
 * Delay of the first probe after (re)entering `unknown` (start, resume,
 * enable): a uniform offset in [0, fast-interval). Spreading first probes
 * over a whole fast period keeps a restart with many backends from probing
 * them all in the same millisecond (anchors.md §4.4 "initial random offset").
 */
export function firstProbeDelay(timing: ProbeTiming, random: Random): Millis {
  return millis(Math.floor(unit(random) * timing.fastInterval));
}
