/**
 * The session core's data: configuration, the session record (RFC 5880 §6.8.1 state variables
 * plus timer bookkeeping), and the event and action unions of `step`. Plain immutable data, so a
 * session can be logged, compared and snapshotted.
 */
import type { Millis } from "../common/time.js";
import type { AuthConfig, RcvSeqState } from "./auth.js";
import type { Discard } from "./errors.js";
import type { TransitionReason } from "./fsm-table.js";
import type { ControlPacket } from "./packet.js";
import type { DetectMult, Diag, Discriminator, SessionState } from "./types.js";
import type { Micros } from "../common/time.js";
import type { ReceivedPacket, TtlPolicy } from "./validate.js";

/** What the operator configures for one session. Build with `sessionConfig`. */
export interface SessionConfig {
  /** bfd.LocalDiscr: non-zero, unique per system (§6.8.1); the shell allocates it. */
  readonly localDiscr: Discriminator;
  /** bfd.DetectMult. */
  readonly detectMult: DetectMult;
  /** Configured Desired Min TX (µs, > 0); raised to 1 s while not Up (§6.8.3). */
  readonly desiredMinTx: Micros;
  /** bfd.RequiredMinRxInterval (µs); 0 asks the peer to send no periodic packets. */
  readonly requiredMinRx: Micros;
  /** §6.1 passive role: transmit nothing until the peer's discriminator is known. */
  readonly passive: boolean;
  /** The C bit we send (§4.1): our BFD does not share fate with the control plane. */
  readonly controlPlaneIndependent: boolean;
  /** How a received TTL is judged (RFC 5881 §5 / RFC 5883 §5). */
  readonly ttl: TtlPolicy;
  /** Authentication, or null for none (§6.7). */
  readonly auth: AuthConfig | null;
}

/** The pair of interval variables a Poll Sequence negotiates (§6.8.3). */
export interface Intervals {
  /** Desired Min TX (µs). */
  readonly tx: Micros;
  /** Required Min RX (µs). */
  readonly rx: Micros;
}

/** What we know of the peer, from its last accepted packet (§6.8.6 step 13). */
export interface RemoteView {
  /** bfd.RemoteDiscr; 0 = unknown (initial, and after a Detection Time of silence). */
  readonly discr: number;
  /** bfd.RemoteSessionState. */
  readonly state: SessionState;
  /** bfd.RemoteDemandMode. */
  readonly demand: boolean;
  /** bfd.RemoteMinRxInterval; initially 1 µs (§6.8.1). */
  readonly minRx: Micros;
  /** The peer's last Desired Min TX (for the Detection Time). */
  readonly desiredMinTx: Micros;
  /** The peer's last Detect Mult; 0 until a packet is accepted. */
  readonly detectMult: number;
  /** The peer's last Diag, for display. */
  readonly diag: number;
}

/** The two timers a session runs. */
export type TimerName = "tx" | "detect";

/** An armed timer: when it fires, and the generation a fire must carry to count. */
export interface TimerSlot {
  readonly at: Millis;
  readonly gen: number;
}

/** Authentication sequence state (§6.8.1 bfd.XmitAuthSeq, bfd.RcvAuthSeq, bfd.AuthSeqKnown). */
export interface AuthSeqState {
  readonly xmitSeq: number;
  readonly rcv: RcvSeqState;
  /** When a packet last passed authentication; drives the 2 × Detection Time reset. */
  readonly lastRxAt: Millis | null;
  /** The Detection Time (ms) in force at that receipt. */
  readonly detectTimeMs: number;
}

/** One BFD session. Create with `createSession`; change only through `step`. */
export interface Session {
  readonly config: SessionConfig;
  /** bfd.SessionState. */
  readonly state: SessionState;
  /** bfd.LocalDiag. */
  readonly diag: Diag;
  readonly remote: RemoteView;
  /** bfd.DesiredMinTxInterval / bfd.RequiredMinRxInterval: what our packets carry. */
  readonly advertised: Intervals;
  /** The values our timers use; lag `advertised` during a Poll as §6.8.3 requires. */
  readonly inUse: Intervals;
  /** The running Poll Sequence, if any (§6.5). */
  readonly poll: { readonly since: Millis } | null;
  /** When the last non-Final packet went out; the periodic timer counts from it. */
  readonly lastTxAt: Millis | null;
  /** Jitter fraction drawn for the next periodic interval (§6.8.7). */
  readonly txFraction: number;
  /** When a packet was last accepted; null before the first and after a Detection Time expires. */
  readonly lastRxAt: Millis | null;
  readonly txTimer: TimerSlot | null;
  readonly detectTimer: TimerSlot | null;
  /** Next timer generation to hand out. */
  readonly nextGen: number;
  /** PRNG state for jitter (timers.ts). */
  readonly rng: number;
  /** Authentication sequence numbers (kept, but unused, without authentication). */
  readonly auth: AuthSeqState;
}

/** Inputs to `step`. */
export type BfdEvent =
  /**
   * A packet that passed `parseReceived` and was demultiplexed to this session (§6.8.6 steps
   * 1–9). `ttl` is the received TTL / Hop Limit when the shell can observe it.
   */
  | { readonly kind: "rx"; readonly packet: ReceivedPacket; readonly ttl?: number | undefined }
  /** A timer armed by an `arm` action fired; stale generations are ignored. */
  | { readonly kind: "timer"; readonly timer: TimerName; readonly gen: number }
  /** §6.8.16: disable the session; `diag` defaults to 7 (5 Path Down is the other legal choice). */
  | { readonly kind: "admin-down"; readonly diag?: Diag | undefined }
  /** §6.8.16: re-enable: AdminDown → Down. */
  | { readonly kind: "admin-up" }
  /** Change timer parameters or the passive role; interval changes start a Poll (§6.8.3). */
  | { readonly kind: "set-params"; readonly params: ParamChange };

/** The run-time changeable parameters. */
export interface ParamChange {
  readonly desiredMinTx?: Micros | undefined;
  readonly requiredMinRx?: Micros | undefined;
  readonly detectMult?: DetectMult | undefined;
  readonly passive?: boolean | undefined;
}

/** Why a packet is sent: the shell counts and logs by it. */
export type SendReason =
  /** The periodic transmit timer fired (§6.8.7). */
  | "periodic"
  /** Reply to a received Poll, sent at once (§6.5, §6.8.6 step 20). */
  | "final"
  /** The session state changed, or the session started; sent at once. */
  | "state-change";

/** Outputs of `step`, to be performed by the shell in order. */
export type BfdAction =
  /** Send these bytes to the peer (TTL 255). `packet` is the decoded form, for logs. */
  | {
      readonly kind: "send";
      readonly bytes: Uint8Array;
      readonly packet: ControlPacket;
      readonly reason: SendReason;
    }
  /** (Re)arm `timer` to fire at `at` with `gen`, replacing any pending fire of that timer. */
  | { readonly kind: "arm"; readonly timer: TimerName; readonly at: Millis; readonly gen: number }
  /** Cancel `timer`. */
  | { readonly kind: "cancel"; readonly timer: TimerName }
  /** The session changed state. */
  | {
      readonly kind: "transition";
      readonly from: SessionState;
      readonly to: SessionState;
      readonly diag: Diag;
      readonly reason: TransitionReason;
    }
  /** A received packet was discarded (§6.8.6). */
  | { readonly kind: "discard"; readonly discard: Discard }
  /** A Poll Sequence started, completed (Final received) or was abandoned (session left Up). */
  | { readonly kind: "poll"; readonly event: "started" | "completed" | "abandoned" };

/** What `step` returns. */
export interface StepResult {
  readonly session: Session;
  readonly actions: readonly BfdAction[];
}
