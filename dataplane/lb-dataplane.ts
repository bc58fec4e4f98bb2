/**
 * The LB dataplane port (style guide rule 22): what the LB reconciler needs
 * from whatever forwards the packets. Two implementations: the in-memory
 * one (`dataplane/memory/`, the embedded default; failures injectable) and
 * VPP over its binary API (`dataplane/vpp/vpp-lb-dataplane.ts`). One
 * contract suite (`tests/unit/lb/dataplane-contract.ts`) runs against both.
 *
 * For the actor owner: `read()` → `diff()` (protocols/lb) → `apply()`;
 * refusals come back as values with the op index and VPP retval, so the
 * shell can log, count and schedule a full resync; `read()` and conf calls
 * throw `DomainError("LB_E_UNAVAILABLE")` while disconnected. Subscribe
 * with `onEvent` to run a full sync on every `connected`.
 */
import type { LbErrorCode } from "../protocols/lb/errors.js";
import type { LbOp } from "../protocols/lb/ops.js";
import type { LbConf, LbState } from "../protocols/lb/types.js";

/** A refused or failed op. */
export interface LbApplyError {
  readonly code: LbErrorCode;
  /** VPP retval when the dataplane refused the op (absent for transport failures). */
  readonly retval?: number;
  readonly message: string;
  /** Index of the failed op; every op before it was applied. */
  readonly index: number;
  readonly op: LbOp;
}

/** Outcome of `apply`: how many ops took effect, and why it stopped early if it did. */
export type LbApplyReport =
  | { readonly ok: true; readonly applied: number }
  | { readonly ok: false; readonly applied: number; readonly error: LbApplyError };

/** Connection changes (the memory dataplane emits them when told to fail). */
export type LbDataplaneEvent =
  | { readonly kind: "connected" }
  | { readonly kind: "disconnected"; readonly reason: string };

/** The port. */
export interface LbDataplane {
  /** Which implementation (for logs and the API). */
  readonly kind: "memory" | "vpp";
  /** Begin connecting (returns at once; watch `onEvent` / `connected`). */
  start(): Promise<void>;
  /** Disconnect for good. */
  stop(): Promise<void>;
  /** True when calls can currently succeed. */
  readonly connected: boolean;
  /** Subscribe to connection events; returns the unsubscribe function. */
  onEvent(listener: (e: LbDataplaneEvent) => void): () => void;
  /** Current VIPs and live ASes. Throws `LB_E_UNAVAILABLE` when disconnected. */
  read(): Promise<LbState>;
  /** Apply ops in order, stopping at the first failure. Never throws. */
  apply(ops: readonly LbOp[]): Promise<LbApplyReport>;
  /** Global LB settings (`lb_conf_get`). */
  readConf(): Promise<LbConf>;
  /** Push global LB settings (`lb_conf`); throws a coded `DomainError` on refusal. */
  writeConf(conf: LbConf): Promise<void>;
}
