/**
 * Frontend state aggregation (maglev-vpp §4.3): derived from effective
 * weights, so a frontend served only by its fallback pool is `up` and one
 * whose every AS sits at weight 0 is not (bug §10.22).
 */
import type { BackendState } from "./types.js";

/** Aggregate state of a frontend. */
export type FrontendState = "up" | "down" | "unknown";

/** One backend's contribution to the aggregate. */
export interface FrontendMemberView {
  readonly state: BackendState;
  readonly effectiveWeight: number;
}

/**
 * `up` iff some backend has non-zero effective weight; `unknown` iff every
 * backend is still `unknown`; `down` otherwise. A frontend with no backends
 * at all is `down` (our decision, §4.3 is silent): nothing can ever serve it,
 * and `unknown` would suggest an answer is on its way.
 */
export function frontendState(members: readonly FrontendMemberView[]): FrontendState {
  if (members.some((m) => m.effectiveWeight > 0)) return "up";
  if (members.length > 0 && members.every((m) => m.state === "unknown")) return "unknown";
  return "down";
}
