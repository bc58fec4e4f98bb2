/**
 * The read model of one frontend: its evaluation turned into a
 * `FrontendSnapshot`, with the monotonic instant of its last transition
 * replaced by a duration, so the API never sees the actor's clock.
 */
import type { Millis } from "../../protocols/common/time.js";
import type { FrontendSpec } from "../../protocols/lb/desired.js";
import type { FrontendEvaluation } from "../../protocols/lb/desired.js";
import type { FrontendState } from "../../protocols/lb/frontend-state.js";
import { overrideKey, type WeightOverride } from "./persistence.js";
import type { FrontendSnapshot, PoolSnapshot } from "./types.js";

/** What the snapshot needs of a frontend actor's state. */
export interface SnapshotSource {
  readonly spec: FrontendSpec;
  readonly overrides: ReadonlyMap<string, WeightOverride>;
  readonly evaluation: FrontendEvaluation;
  readonly state: FrontendState;
  readonly since: Millis;
}

/** Build the snapshot at `now`. */
export function frontendSnapshot(s: SnapshotSource, now: Millis): FrontendSnapshot {
  const { spec, evaluation } = s;
  const pools: PoolSnapshot[] = spec.pools.map((p, pi) => ({
    name: p.name,
    backends: p.members.map((m) => {
      const ev = evaluation.members.find((e) => e.pool === pi && e.backend === m.backend);
      const o = s.overrides.get(overrideKey(spec.name, p.name, m.backend));
      return {
        name: m.backend,
        address: m.address,
        state: ev?.state ?? "unknown",
        weight: o?.weight ?? m.weight,
        configuredWeight: m.weight,
        overridden: o !== undefined,
        effectiveWeight: ev?.weight ?? 0,
        flush: ev?.flush ?? false,
      };
    }),
  }));
  // §4.1: with no qualifying pool the index is 0 but nothing serves; report no active pool then.
  const serving = evaluation.members.some((m) => m.weight > 0);
  return {
    name: spec.name,
    address: spec.address,
    protocol: spec.port === 0 ? 255 : spec.protocol,
    port: spec.port,
    srcIpSticky: spec.srcIpSticky,
    flushOnDown: spec.flushOnDown,
    state: s.state,
    durationMs: Math.max(0, now - s.since),
    activePool: serving ? spec.pools[evaluation.activePool]?.name : undefined,
    activePoolIndex: evaluation.activePool,
    pools,
  };
}
