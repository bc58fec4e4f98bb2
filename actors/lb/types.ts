/**
 * The LB subsystem's vocabulary at the actor layer: the backend-state source
 * it reconciles against (`BackendStates`, adapted to the health subsystem or
 * faked in tests), what the config layer hands in (`LbSettings`, frontend
 * specs from `protocols/lb`), what the actors hand out (snapshots, events,
 * sync reports), and the subsystem's error codes. Plain data only, so it
 * crosses actor messages and the API boundary unchanged.
 */
import type { Millis } from "../../protocols/common/time.js";
import type { FrontendSpec } from "../../protocols/lb/desired.js";
import type { FrontendState } from "../../protocols/lb/frontend-state.js";
import type { IpAddr } from "../../protocols/lb/ip.js";
import type { LbOpKind } from "../../protocols/lb/ops.js";
import type { BackendState, LbConf } from "../../protocols/lb/types.js";
import type { WarmupConfig, WarmupPhase } from "../../protocols/lb/warmup.js";

/** One backend's newest state, as the reconciler needs it. */
export interface BackendStateChange {
  readonly name: string;
  readonly state: BackendState;
}

/**
 * Where backend states come from (maglev-vpp §5.1 `StateSource`): the health
 * subsystem in the daemon, a fake in tests. Contract: latest-value semantics
 * (a burst may reach the listener as its final state only) and the current
 * state of every known backend is replayed to a new listener first, so a
 * reconciler that starts late never misses one. A backend nobody reported is
 * `unknown` (§4.5).
 */
export interface BackendStates {
  subscribe(listener: (change: BackendStateChange) => void): () => void;
}

/**
 * The `lb_conf` keys an operator set (§2.3). Absent keys keep whatever VPP
 * holds; nothing is pushed when every key is absent.
 */
export type LbConfSettings = Partial<LbConf>;

/** Reconciler settings from the `dataplane` config section. */
export interface LbSettings {
  /** Period of the full drift sync (§2.3 `sync-interval`, default 30 s). */
  readonly syncIntervalMs: number;
  /** Startup warmup window (§4.5); read once at start, a reload does not reset it. */
  readonly warmup: WarmupConfig;
  readonly conf: LbConfSettings;
}

/** One pool member as the API shows it. */
export interface MemberSnapshot {
  readonly name: string;
  readonly address: IpAddr;
  readonly state: BackendState;
  /** The weight in force: the operator override if any, else the config's. */
  readonly weight: number;
  readonly configuredWeight: number;
  readonly overridden: boolean;
  /** §4.2 outcome. */
  readonly effectiveWeight: number;
  readonly flush: boolean;
}

/** One pool as the API shows it. */
export interface PoolSnapshot {
  readonly name: string;
  readonly backends: readonly MemberSnapshot[];
}

/** A frontend's state as its actor reports it. */
export interface FrontendSnapshot {
  readonly name: string;
  readonly address: IpAddr;
  readonly protocol: number;
  readonly port: number;
  readonly srcIpSticky: boolean;
  readonly flushOnDown: boolean;
  readonly state: FrontendState;
  /** Time in the current state, measured inside the actor on its monotonic clock. */
  readonly durationMs: number;
  readonly activePool: string | undefined;
  readonly activePoolIndex: number;
  readonly pools: readonly PoolSnapshot[];
}

/** A transition for the event stream (`GET /events`). `from === to` marks a replayed current state. */
export interface LbTransition {
  readonly type: "backend" | "frontend";
  readonly name: string;
  readonly from: string;
  readonly to: string;
  /** Wall-clock time, for display only. */
  readonly at: string;
}

/** Outcome of one sync as the API reports it. */
export interface SyncReport {
  readonly scope: "all" | "vip";
  /** False when warmup or a missing dataplane held the sync back. */
  readonly ran: boolean;
  readonly suppressed?: "hold" | "warmup" | "not-ready" | "disconnected";
  readonly ops: number;
  readonly byKind: Readonly<Partial<Record<LbOpKind, number>>>;
  readonly durationMs: number;
  readonly error?: { readonly code: string; readonly message: string };
}

/** The dataplane actor's status. */
export interface DataplaneStatus {
  readonly kind: "memory" | "vpp";
  readonly connected: boolean;
  readonly warmup: WarmupPhase;
  readonly ownedVips: number;
  readonly lastFullSync: SyncReport | undefined;
  /** Monotonic instant of the last full sync that ran. */
  readonly lastFullSyncAt: Millis | undefined;
}

/** Everything needed to (re)build the frontend actors: specs in config order. */
export interface LbPlan {
  readonly frontends: readonly FrontendSpec[];
  readonly settings: LbSettings;
}

/** Stable error codes of the LB subsystem at the actor/API layer. */
export type LbServiceErrorCode =
  | "LB_E_FRONTEND_NOT_FOUND"
  /** No such pool in the frontend, or no such backend in the pool. */
  | "LB_E_MEMBER_NOT_FOUND"
  /** Weight outside 0..100. */
  | "LB_E_BAD_WEIGHT"
  /** The override could not be persisted; nothing changed. */
  | "LB_E_PERSIST";

/** Answer to a weight change. */
export type WeightReply =
  | { readonly ok: true; readonly snapshot: FrontendSnapshot }
  | { readonly ok: false; readonly code: LbServiceErrorCode; readonly message: string };
