/**
 * The BFD subsystem's vocabulary: a peer's settings (`PeerSpec`, what the API, the config file
 * and the store describe), changes to them, and the snapshots sessions answer queries with.
 * Plain data only; the session state itself lives inside each session actor.
 */
import type { AuthType, SessionState } from "../../protocols/bfd/index.js";

/** mgd's mode names (ddm-bfd-maghemite.md §2.5): RFC 5881 single hop or RFC 5883 multihop. */
export type BfdMode = "SingleHop" | "MultiHop";

/** Where a peer was declared: the config file (source of truth on reload) or the REST API (persisted). */
export type PeerOrigin = "config" | "api";

/** One authentication key (RFC 5880 §6.7). The secret never leaves the daemon through the API. */
export interface AuthSpec {
  readonly type: AuthType;
  readonly keyId: number;
  readonly secret: Uint8Array;
}

/** A peer's settings, already checked (`parsePeerSpec`). Intervals are µs, as on the wire. */
export interface PeerSpec {
  /** Remote address, canonical text; a link-local IPv6 peer keeps its `%ifname`. */
  readonly peer: string;
  /** Local address (wildcard allowed), canonical text. */
  readonly listen: string;
  readonly family: 4 | 6;
  readonly mode: BfdMode;
  /** bfd.RequiredMinRxInterval (µs). */
  readonly requiredRxUs: number;
  /** Configured bfd.DesiredMinTxInterval (µs); the core raises it to 1 s while not Up (§6.8.3). */
  readonly desiredTxUs: number;
  /** bfd.DetectMult. */
  readonly detectMult: number;
  /** §6.1 passive role. */
  readonly passive: boolean;
  /** §6.8.16 administrative down. */
  readonly adminDown: boolean;
  /** Multihop only (RFC 5883 §5): the smallest received TTL accepted. Single hop always needs 255. */
  readonly minTtl: number;
  readonly auth: AuthSpec | null;
  readonly origin: PeerOrigin;
}

/** Run-time changes to a peer (PATCH, config reload); absent fields stay. */
export interface PeerUpdate {
  readonly requiredRxUs?: number | undefined;
  readonly desiredTxUs?: number | undefined;
  readonly detectMult?: number | undefined;
  readonly passive?: boolean | undefined;
  readonly adminDown?: boolean | undefined;
}

/** One entry of a session's transition history. */
export interface HistoryEntry {
  /** Wall-clock time, for operators (never used for logic). */
  readonly at: string;
  /** Monotonic instant of the transition (ms, the daemon's clock). */
  readonly atMono: number;
  readonly from: SessionState;
  readonly to: SessionState;
  /** bfd.LocalDiag after the transition (RFC 5880 §4.1). */
  readonly diag: number;
  /** Why, in our words (`detection-expired`, `received-down`, `admin-down`, …). */
  readonly reason: string;
}

/** Per-session counters. */
export interface SessionCounters {
  /** Control packets handed to the transport successfully. */
  readonly sent: number;
  /** Control packets delivered to the session by its listener (before §6.8.6 steps 10–21). */
  readonly received: number;
  /** Sends the transport refused (each one drops the socket; the next send rebinds). */
  readonly sendFailures: number;
  readonly transitions: number;
  /** Up → Down (or AdminDown) transitions. */
  readonly flaps: number;
  readonly pollsCompleted: number;
  /** Discarded packets by reason (`TTL`, `AUTH_BAD_DIGEST`, `queue-full`, …). */
  readonly drops: Readonly<Record<string, number>>;
}

/** What a session reports. `detail` adds counters, the remote's parameters and the history. */
export interface SessionSnapshot {
  readonly spec: PeerSpec;
  readonly state: SessionState;
  readonly localDiscr: number;
  readonly remoteDiscr: number;
  readonly localDiag: number;
  readonly remoteState: SessionState;
  readonly remoteDiag: number;
  /** Time in the current state (monotonic). */
  readonly stateDurationMs: number;
  /** Negotiated periodic TX interval (µs, before jitter; §6.8.7). */
  readonly txIntervalUs: number;
  /** Detection Time (µs; §6.8.4), null while nothing has been heard. */
  readonly detectionTimeUs: number | null;
  readonly remote: {
    readonly desiredMinTxUs: number;
    readonly requiredMinRxUs: number;
    readonly detectMult: number;
    readonly demand: boolean;
  };
  readonly pollInProgress: boolean;
  /** Source port of the sending socket, null while unbound. */
  readonly sourcePort: number | null;
  readonly counters: SessionCounters;
  readonly history: readonly HistoryEntry[];
}
