/**
 * Probe timing parameters and their defaults. maglev-vpp.md §2.4 names the
 * keys (`interval`, `fast-interval`, `down-interval`, `timeout`) but leaves
 * every default open [?]; we chose the values below and document them in
 * README.md. HAProxy (anchors.md §4.2) is the model: `inter` 2 s, and the
 * fast/down intervals fall back to sensible derivations when unset.
 */
import { err, ok, type Result } from "../common/result.js";
import { type Millis, millis } from "../common/time.js";
import { type HealthError, healthError } from "./errors.js";

/** Validated probe timing. All values are positive, finite milliseconds. */
export interface ProbeTiming {
  /** Period while fully healthy (counter at Max). */
  readonly interval: Millis;
  /** Period while in transition: unknown, failing, or recovering (§3.3). */
  readonly fastInterval: Millis;
  /** Period while fully down (state down, counter 0) (§3.3). */
  readonly downInterval: Millis;
  /** Deadline of one probe; the probe reports `timeout` past it. */
  readonly timeout: Millis;
}

/** Raw timing as read from config; absent keys take the defaults. */
export interface ProbeTimingInput {
  readonly interval?: number;
  readonly fastInterval?: number;
  readonly downInterval?: number;
  readonly timeout?: number;
}

/** Default `interval`: HAProxy's `inter` (anchors.md §4.2). */
export const DEFAULT_INTERVAL_MS = 2000;
/** Default `fast-interval` ceiling: the value in the spec's example config (§2.8). */
export const DEFAULT_FAST_INTERVAL_MS = 500;
/** Default `timeout` ceiling: the value in the spec's example config (§2.8). */
export const DEFAULT_TIMEOUT_MS = 1000;
/** Upper bound for any timing value: one day, well inside setTimeout's 2^31−1 ms. */
export const MAX_TIMING_MS = 86_400_000;

function check(name: string, value: number): Result<Millis, HealthError> {
  if (!Number.isFinite(value) || value < 1 || value > MAX_TIMING_MS) {
    return err(
      healthError("HC_E_INVALID_CONFIG", `${name} must be between 1 ms and ${MAX_TIMING_MS} ms`, name),
    );
  }
  return ok(millis(value));
}

/**
 * Resolve timing with defaults:
 * - `interval` 2000 ms;
 * - `fast-interval` min(500 ms, interval), and it may not exceed `interval`;
 * - `down-interval` = interval (HAProxy's `downinter` fallback: probing a dead
 *   backend more slowly is an operator's choice, not a default);
 * - `timeout` min(1000 ms, interval).
 */
export function parseProbeTiming(input: ProbeTimingInput): Result<ProbeTiming, HealthError> {
  const interval = check("interval", input.interval ?? DEFAULT_INTERVAL_MS);
  if (!interval.ok) return interval;
  const fast = check(
    "fast-interval",
    input.fastInterval ?? Math.min(DEFAULT_FAST_INTERVAL_MS, interval.value),
  );
  if (!fast.ok) return fast;
  if (fast.value > interval.value) {
    return err(healthError("HC_E_INVALID_CONFIG", "fast-interval may not exceed interval", "fast-interval"));
  }
  const down = check("down-interval", input.downInterval ?? interval.value);
  if (!down.ok) return down;
  const timeout = check("timeout", input.timeout ?? Math.min(DEFAULT_TIMEOUT_MS, interval.value));
  if (!timeout.ok) return timeout;
  return ok({
    interval: interval.value,
    fastInterval: fast.value,
    downInterval: down.value,
    timeout: timeout.value,
  });
}
