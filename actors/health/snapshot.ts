/**
 * The read model of one backend: its core state turned into a
 * `BackendSnapshot`, with every monotonic instant replaced by an age, so
 * the API can map it to wall time without ever seeing the actor's clock.
 */
import type { Millis } from "../../protocols/common/time.js";
import type { BackendHealth, HealthConfig } from "../../protocols/health/index.js";
import type { BackendSnapshot, BackendSpec } from "./types.js";

/** Build the snapshot of `health` at `now`. */
export function snapshotOf(
  spec: BackendSpec,
  config: HealthConfig,
  health: BackendHealth,
  now: Millis,
): BackendSnapshot {
  const last = health.lastResult;
  return {
    name: spec.name,
    address: spec.address,
    healthcheck: spec.healthcheck,
    type: spec.check?.type,
    state: health.status,
    enabled: health.enabled,
    counter: health.counter,
    rise: config.thresholds.rise,
    fall: config.thresholds.fall,
    durationMs: Math.max(0, now - health.since),
    lastResult:
      last === undefined
        ? undefined
        : {
            ok: last.result.ok,
            code: last.result.code,
            detail: last.result.detail,
            latencyMs: last.result.latencyMs,
            agoMs: Math.max(0, now - last.at),
          },
    history: health.history.map(({ at, ...rest }) => ({ ...rest, agoMs: Math.max(0, now - at) })),
  };
}
