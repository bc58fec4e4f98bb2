/**
 * Pool failover and the effective-weight/flush truth table (maglev-vpp §4.1,
 * §4.2): the single pure mapping from backend state to what VPP is told.
 */
import { assertNever } from "../common/assert-never.js";
import type { BackendState } from "./types.js";

/** A backend's membership in one pool, as the weight logic needs it. */
export interface PoolMemberView {
  readonly state: BackendState;
  /** Configured (or operator-overridden) pool weight, 0..100. */
  readonly weight: number;
}

/**
 * Index of the first pool holding a backend that is `up` with weight > 0
 * (§4.1; the weight condition is bug §10.8: a primary pool set to weight 0
 * must not keep the fallback idle). No qualifying pool ⇒ 0, which cannot be
 * observed because every AS is then at weight 0 anyway.
 */
export function activePoolIndex(pools: readonly (readonly PoolMemberView[])[]): number {
  const i = pools.findIndex((members) => members.some((m) => m.state === "up" && m.weight > 0));
  return Math.max(i, 0);
}

/** What one backend contributes to its VIP. */
export interface EffectiveWeight {
  readonly weight: number;
  readonly flush: boolean;
}

/**
 * §4.2 truth table. Only an `up` backend in the active pool carries traffic.
 * Flush (hard drain) only for `disabled` (always) and `down` (iff
 * flush-on-down); never for unknown, paused or a standby `up` backend, whose
 * existing flows may finish (soft drain). `removed` backends are deleted from
 * the VIP with flush; should one still be asked about, it maps to a hard drain.
 */
export function effectiveWeight(
  state: BackendState,
  inActivePool: boolean,
  poolWeight: number,
  flushOnDown: boolean,
): EffectiveWeight {
  switch (state) {
    case "up":
      return { weight: inActivePool ? poolWeight : 0, flush: false };
    case "down":
      return { weight: 0, flush: flushOnDown };
    case "disabled":
    case "removed":
      return { weight: 0, flush: true };
    case "unknown":
    case "paused":
      // Paused: weight 0 is our reading of §4.2 ([I]); "never flush" is [D].
      return { weight: 0, flush: false };
    default:
      return assertNever(state, "backend state");
  }
}
