/**
 * Types of the per-interface DDM state machine (spec ddm-bfd-maghemite.md
 * §1.1 discovery loops and §1.2 Init → Solicit → Exchange), in sans-io form:
 * states, events and actions are discriminated unions, timers are actions
 * tagged with a generation, and every state records the instant it was
 * entered so durations (`GET /peers`) are computed from the state itself.
 */
import type { Millis } from "../common/time.js";
import type { DiscoveryMessage, DiscoveryPacket } from "./discovery.js";
import type { Ipv6Addr } from "./ip.js";
import type { ExchangeVersion, LocalRouter, PeerIdentity, PrefixSet, Update } from "./types.js";

/** Timer durations in milliseconds. Defaults are ddmd's (spec §1.1 timer table). */
export interface DdmTimers {
  /** Between solicitations (`--solicit-interval`). Also the initial-pull retry period. */
  readonly solicitInterval: Millis;
  /** Age of the last advertisement at which the neighbour expires (`--expire-threshold`). */
  readonly expireThreshold: Millis;
  /** Retry period while the interface has no IPv6 link-local address (`--ip-addr-wait`). */
  readonly ipAddrWait: Millis;
  /** Push timeout (`--exchange-timeout`); carried in `push` actions for the shell. */
  readonly exchangeTimeout: Millis;
  /** Pull timeout; hard-coded 250 ms in ddmd (spec §1.3), configurable here. */
  readonly pullTimeout: Millis;
  /** Retry period when the exchange server fails to bind; 1 s in ddmd (spec §1.2). */
  readonly serverRetry: Millis;
}

/** ddmd's defaults. `--discovery-read-timeout` is a socket artefact with no sans-io meaning. */
export const DEFAULT_TIMERS: DdmTimers = {
  solicitInterval: 2000 as Millis,
  expireThreshold: 5000 as Millis,
  ipAddrWait: 1000 as Millis,
  exchangeTimeout: 3000 as Millis,
  pullTimeout: 250 as Millis,
  serverRetry: 1000 as Millis,
};

/** Static configuration of one interface's machine. */
export interface InterfaceConfig {
  readonly local: LocalRouter;
  readonly timers: DdmTimers;
}

/** The interface facts Init resolves (maghemite fills these into `sm::Config`). */
export interface LinkInfo {
  readonly ifIndex: number;
  readonly ifName: string;
  /** Our own IPv6 link-local address on the interface. */
  readonly addr: Ipv6Addr;
}

/** Discovery's record of the neighbour on the link (liveness). */
export interface Neighbor extends PeerIdentity {
  readonly lastSeen: Millis;
  readonly version: ExchangeVersion;
}

/** Timer names. Each state arms only its own subset. */
export type TimerName = "addrWait" | "solicit" | "expire" | "serverRetry" | "pullRetry";

/** Bookkeeping shared by every state variant. */
interface Common {
  /** When the current state was entered; re-entry resets it (spec §1.2, PR #689). */
  readonly enteredAt: Millis;
  /** Generation of each armed timer; a fire with another generation is stale. */
  readonly timers: Readonly<Partial<Record<TimerName, number>>>;
  /** Source of the next timer generation (strictly increasing). */
  readonly nextGen: number;
  /** Exchange epoch: bumped on every entry into Exchange, so results of an older session are stale. */
  readonly epoch: number;
}

/** Waiting for the address object to have an IPv6 link-local address. */
export interface InitState extends Common {
  readonly name: "init";
}

/** Discovery running, no exchange peer. */
export interface SolicitState extends Common {
  readonly name: "solicit";
  readonly link: LinkInfo;
  /** A neighbour still heard but not (or no longer) exchanged with, e.g. after an admin expire. */
  readonly neighbor: Neighbor | null;
}

/** Exchanging routes with `neighbor`. */
export interface ExchangeState extends Common {
  readonly name: "exchange";
  readonly link: LinkInfo;
  readonly neighbor: Neighbor;
  /** Exchange server lifecycle. */
  readonly server: "starting" | "retry-wait" | "up";
  /** Initial (or post-renumbering) pull progress. */
  readonly pull: "waiting-server" | "in-flight" | "retry-wait" | "done";
}

/** A machine state. */
export type DdmState = InitState | SolicitState | ExchangeState;
/** State names, the keys of the transition table. */
export type StateName = DdmState["name"];

/** Why a pull was asked for; `initial` and `renumber` retry on failure, `sync` does not. */
export type PullReason = "initial" | "renumber" | "sync";

/** How a push ended, as classified by the shell's HTTP client. */
export type PushOutcome =
  /** Any 2xx. */
  | "ok"
  /** `exchangeTimeout` elapsed (maghemite's only failure). */
  | "timeout"
  /** Connection refused or reset: the peer's exchange server is gone (our addition). */
  | "unreachable"
  /** An HTTP error status: the peer is alive but refused this body (e.g. ddmd's 1 KiB limit). */
  | "rejected";

/** Inputs to `step`. */
export type DdmEvent =
  | { readonly kind: "addressResolved"; readonly link: LinkInfo }
  | { readonly kind: "addressFailed"; readonly reason: string }
  | { readonly kind: "packet"; readonly from: Ipv6Addr; readonly packet: DiscoveryPacket }
  /** A discovery socket failed (maghemite `SolicitFail`). */
  | { readonly kind: "discoveryFailed"; readonly reason: string }
  | { readonly kind: "timer"; readonly timer: TimerName; readonly gen: number }
  | { readonly kind: "serverStarted"; readonly epoch: number }
  | { readonly kind: "serverFailed"; readonly epoch: number; readonly reason: string }
  /** Results name the epoch and peer they were sent with; a result for an older session or a renumbered peer is stale. */
  | {
      readonly kind: "pullResult";
      readonly epoch: number;
      readonly peer: Ipv6Addr;
      readonly reason: PullReason;
      readonly ok: boolean;
    }
  | {
      readonly kind: "pushResult";
      readonly epoch: number;
      readonly peer: Ipv6Addr;
      readonly outcome: PushOutcome;
    }
  | { readonly kind: "adminAnnounce"; readonly set: PrefixSet }
  | { readonly kind: "adminWithdraw"; readonly set: PrefixSet }
  | { readonly kind: "adminExpire"; readonly addr: Ipv6Addr }
  | { readonly kind: "adminSync" }
  /** A redistribution or expiry withdraw from another interface's machine (maghemite `Peer(Push)`). */
  | { readonly kind: "peerPush"; readonly update: Update };

/** Event discriminators, the columns of the transition table. */
export type EventKind = DdmEvent["kind"];

/** Why a transition happened; logged and exposed by the API. */
export type TransitionReason =
  | "address-resolved"
  | "neighbor-advertised"
  | "neighbor-expired"
  | "admin-expire"
  | "push-failed"
  | "discovery-failed";

/** Counters the shell increments (maghemite `SessionStats` plus our drop reasons). */
export type DdmCounter =
  | "solicitations_sent"
  | "solicitations_received"
  | "advertisements_sent"
  | "advertisements_received"
  | "peer_expirations"
  | "peer_address_changes"
  | "peer_sessions_established"
  | "updates_sent"
  | "update_send_fail"
  | "update_rejected"
  | "advert_unknown_version_dropped"
  | "own_packet_dropped"
  | "event_dropped_not_exchanging";

/** Outputs of `step`, performed by the actor shell in order. */
export type DdmAction =
  | { readonly kind: "resolveAddress" }
  | { readonly kind: "startDiscovery"; readonly link: LinkInfo }
  | { readonly kind: "stopDiscovery" }
  /** Send a discovery packet to `ff02::dd` (`to: "multicast"`) or unicast to a neighbour, port 3549. */
  | { readonly kind: "send"; readonly to: "multicast" | Ipv6Addr; readonly message: DiscoveryMessage }
  | { readonly kind: "arm"; readonly timer: TimerName; readonly at: Millis; readonly gen: number }
  | { readonly kind: "cancel"; readonly timer: TimerName }
  /** Serve `/v2/*` and `/v3/*` on `[link.addr]:56797`, importing from `peer`. */
  | {
      readonly kind: "startExchangeServer";
      readonly link: LinkInfo;
      readonly peer: Ipv6Addr;
      readonly epoch: number;
    }
  /** Renumbering: the running server now attributes imports to `peer` (fixes spec Part 5 item 4). */
  | { readonly kind: "setExchangePeer"; readonly peer: Ipv6Addr }
  | { readonly kind: "stopExchangeServer" }
  /** Pull from the peer and reconcile the RIB with the answer (`rib.sync`). */
  | {
      readonly kind: "pull";
      readonly peer: Ipv6Addr;
      readonly version: ExchangeVersion;
      readonly reason: PullReason;
      readonly epoch: number;
      readonly timeout: Millis;
    }
  | {
      readonly kind: "push";
      readonly peer: Ipv6Addr;
      readonly version: ExchangeVersion;
      readonly update: Update;
      readonly epoch: number;
      readonly timeout: Millis;
    }
  /** Remove every route imported from `nexthop` on this interface (`rib.expireNexthop`). */
  | { readonly kind: "expireRoutes"; readonly nexthop: Ipv6Addr; readonly ifName: string }
  | {
      readonly kind: "transition";
      readonly from: StateName;
      readonly to: StateName;
      readonly reason: TransitionReason;
    }
  | { readonly kind: "count"; readonly counter: DdmCounter };

/** Result of one step. */
export interface StepResult {
  readonly state: DdmState;
  readonly actions: readonly DdmAction[];
}
