/**
 * The LB dataplane actor's messages, dependencies and state (see
 * `dataplane-actor.ts` for the behaviour). Plain declarations, shared by the
 * actor and its sync helpers (`dataplane-sync.ts`, `dataplane-execute.ts`).
 */
import type { Millis } from "../../protocols/common/time.js";
import type { IpAddr } from "../../protocols/lb/ip.js";
import type { DesiredVip, LbState } from "../../protocols/lb/types.js";
import type { WarmupConfig, WarmupState } from "../../protocols/lb/warmup.js";
import type { LbDataplane } from "../../dataplane/lb-dataplane.js";
import type { ActorRef } from "../runtime/index.js";
import type { LbMetrics } from "./metrics.js";
import type { OwnedVipStore } from "./persistence.js";
import type { DataplaneStatus, LbConfSettings, SyncReport } from "./types.js";

/** Messages of the dataplane actor. */
export type DataplaneMsg =
  /** A frontend's newest desired VIP (latest value), optionally with an operator flush (§5.3). */
  | {
      readonly t: "desired";
      readonly frontend: string;
      readonly vip: DesiredVip;
      readonly allKnown: boolean;
      readonly forceFlush?: IpAddr;
    }
  /** The frontend left the config; its VIP goes at the next full sync. */
  | { readonly t: "forget"; readonly frontend: string }
  /** These frontends will push soon; hold full syncs until they have (a reload added them). */
  | { readonly t: "expect"; readonly frontends: readonly string[] }
  | { readonly t: "drain" }
  | { readonly t: "warmup-tick" }
  | { readonly t: "periodic" }
  | { readonly t: "retry" }
  | { readonly t: "sync-all"; readonly replyTo?: ActorRef<SyncReport> }
  | { readonly t: "connection"; readonly up: boolean; readonly reason?: string }
  | { readonly t: "settings"; readonly syncIntervalMs: number; readonly conf: LbConfSettings }
  | { readonly t: "status"; readonly replyTo: ActorRef<DataplaneStatus> };

/** What the dataplane actor needs. */
export interface DataplaneDeps {
  readonly dataplane: LbDataplane;
  readonly metrics: LbMetrics;
  readonly owned: OwnedVipStore;
  /** Process start on the actor clock: the warmup is measured from it, not from an actor restart. */
  readonly startedAt: Millis;
  readonly warmup: WarmupConfig;
  /** The frontends configured now (the ones a full sync waits for). */
  readonly expected: () => readonly string[];
  readonly settings: () => { readonly syncIntervalMs: number; readonly conf: LbConfSettings };
  /** Retry backoff after a failed sync: first delay, cap. */
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
}

/** A frontend's newest desired VIP and whether all its backends are known (§4.5). */
export interface Entry {
  readonly vip: DesiredVip;
  readonly allKnown: boolean;
}

/** The actor's state (mutable; owned by this actor alone). */
export interface DataplaneState {
  readonly desired: Map<string, Entry>;
  /** Frontends whose VIP needs a sync, with operator flushes still owed. */
  readonly dirty: Map<string, IpAddr[]>;
  readonly awaiting: Set<string>;
  readonly owned: Map<string, string>;
  drainQueued: boolean;
  deferredFull: boolean;
  cache: LbState | undefined;
  warmup: WarmupState;
  retryMs: number;
  syncIntervalMs: number;
  conf: LbConfSettings;
  lastFull: SyncReport | undefined;
  lastFullAt: Millis | undefined;
}
