/**
 * One backend's health configuration, parsed from the health-check block it
 * references (maglev-vpp.md §2.4) and the global `transition-history` (§2.2).
 * A backend without a health check (§2.5 `healthcheck` absent) is static:
 * no timing, no probes, `up` at once (§3.6).
 */
import { err, ok, type Result } from "../common/result.js";
import { parseThresholds } from "./counter.js";
import { type HealthError, healthError } from "./errors.js";
import { parseProbeTiming, type ProbeTimingInput } from "./timing.js";
import type { HealthConfig } from "./types.js";

/** Default `rise`: HAProxy's (anchors.md §4.2); the spec leaves it open [?]. */
export const DEFAULT_RISE = 2;
/** Default `fall`: HAProxy's (anchors.md §4.2); the spec leaves it open [?]. */
export const DEFAULT_FALL = 3;
/** Default `transition-history` (§2.2 [D]). */
export const DEFAULT_HISTORY_LIMIT = 5;
/** Upper bound for `transition-history`; a ring, not a log. */
export const MAX_HISTORY_LIMIT = 1000;

/** Timing and thresholds of a health-check block, as read from config. */
export interface HealthCheckInput extends ProbeTimingInput {
  readonly rise?: number;
  readonly fall?: number;
}

/**
 * Parse a backend's health configuration. `check` is `undefined` for a
 * static backend; its thresholds are then the defaults and only matter for
 * the exported counter value.
 */
export function parseHealthConfig(
  check: HealthCheckInput | undefined,
  historyLimit: number = DEFAULT_HISTORY_LIMIT,
): Result<HealthConfig, HealthError> {
  if (!Number.isInteger(historyLimit) || historyLimit < 1 || historyLimit > MAX_HISTORY_LIMIT) {
    return err(
      healthError(
        "HC_E_INVALID_CONFIG",
        `transition-history must be an integer in 1..${MAX_HISTORY_LIMIT}`,
        "transition-history",
      ),
    );
  }
  const thresholds = parseThresholds(check?.rise ?? DEFAULT_RISE, check?.fall ?? DEFAULT_FALL);
  if (!thresholds.ok) return thresholds;
  if (check === undefined) return ok({ thresholds: thresholds.value, timing: undefined, historyLimit });
  const timing = parseProbeTiming(check);
  if (!timing.ok) return timing;
  return ok({ thresholds: thresholds.value, timing: timing.value, historyLimit });
}
