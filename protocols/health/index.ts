/**
 * Backend health checking, pure core (maglev-vpp.md §3; README.md here).
 *
 * Typical use by the actor shell (`actors/health/`, one actor per backend):
 *
 * ```ts
 * const cfg = parseHealthConfig(check, transitionHistory);      // Result
 * const core = createHealthCore(cfg.value, Math.random);
 * let { state, actions } = core.start(clock.now(), { enabled });
 * // perform actions: arm-probe → timer → step({kind:"probe-due", token})
 * //                  run-probe → probe.run(target, signal) → step({kind:"probe-result", token, result})
 * //                  cancel-probe → clear the timer / abort the probe's AbortController
 * //                  transition → publish to the reconciler, log, count
 * //                  reject → answer the operator's request with the HC_E_ error
 * ```
 *
 * Everything here is sans-io: `now` is a parameter, jitter comes from the
 * injected `Random`, and nothing throws on any input the types admit.
 */
export type { HealthCheckInput } from "./config.js";
export {
  DEFAULT_FALL,
  DEFAULT_HISTORY_LIMIT,
  DEFAULT_RISE,
  MAX_HISTORY_LIMIT,
  parseHealthConfig,
} from "./config.js";
export type { CounterBand, Thresholds } from "./counter.js";
export {
  afterFail,
  afterPass,
  counterBand,
  counterMax,
  isHealthy,
  MAX_THRESHOLD,
  parseThresholds,
  unknownCounter,
} from "./counter.js";
export type { HealthError, HealthErrorCode } from "./errors.js";
export { healthError } from "./errors.js";
export type { OperatorOutcome } from "./operator-table.js";
export { OPERATOR_TABLE } from "./operator-table.js";
export type { ProbeFailure, ProbeFailureCode, ProbePass, ProbeResult } from "./probe-result.js";
export { PROBE_FAILURE_CODES, probeFailure, probePass } from "./probe-result.js";
export type { IntervalKind } from "./schedule.js";
export {
  firstProbeDelay,
  intervalKind,
  intervalValue,
  JITTER_FRACTION,
  nextProbeDelay,
  withJitter,
} from "./schedule.js";
export type { HealthRunner } from "./runner.js";
export { createHealthRunner } from "./runner.js";
export type { HealthCore, StartOptions } from "./state.js";
export { createHealthCore } from "./state.js";
export type { StatusSet } from "./status-set.js";
export { DEFAULT_STATUS_SET, formatStatusSet, parseStatusSet, statusMatches } from "./status-set.js";
export type { ProbeTiming, ProbeTimingInput } from "./timing.js";
export {
  DEFAULT_FAST_INTERVAL_MS,
  DEFAULT_INTERVAL_MS,
  DEFAULT_TIMEOUT_MS,
  MAX_TIMING_MS,
  parseProbeTiming,
} from "./timing.js";
export type {
  BackendHealth,
  HealthAction,
  HealthConfig,
  HealthEvent,
  HealthStatus,
  OperatorAction,
  ProbeSlot,
  StepOutput,
  TransitionCode,
  TransitionRecord,
} from "./types.js";
export { HEALTH_STATUSES, OPERATOR_ACTIONS } from "./types.js";
