/**
 * The BFD session core (RFC 5880 §6): `step(session, event, now) → { session, actions }`. It reads
 * no clock, opens no socket and arms no timer itself; the shell performs the actions and feeds
 * back `rx` packets, timer fires (with their generation) and operator commands. Asynchronous mode
 * only: we never ask the peer for Demand mode, but honour its D bit; Echo is not implemented.
 */
import { assertNever } from "../common/assert-never.js";
import { err, ok, type Result } from "../common/result.js";
import type { Micros, Millis, Random } from "../common/time.js";
import type { AuthConfig } from "./auth.js";
import { reconcileIntervals } from "./poll.js";
import { receive } from "./session-rx.js";
import { periodicAllowed, rearmTimers, sendPacket, transition } from "./session-effects.js";
import type { BfdAction, BfdEvent, Session, SessionConfig, StepResult } from "./session-types.js";
import { desiredTxFor } from "./timers.js";
import { Diag, detectMult, discriminator, intervalMicros, U32_MAX, type ValueError } from "./types.js";
import type { TtlPolicy } from "./validate.js";

/** Unchecked session settings as the API or config file supplies them (intervals in µs). */
export interface SessionConfigInput {
  readonly localDiscr: number;
  readonly detectMult: number;
  readonly desiredMinTxUs: number;
  readonly requiredMinRxUs: number;
  readonly passive?: boolean | undefined;
  readonly controlPlaneIndependent?: boolean | undefined;
  readonly ttl?: TtlPolicy | undefined;
  readonly auth?: AuthConfig | null | undefined;
}

/**
 * Parse a session config at the edge. Desired Min TX must be non-zero (§4.1: zero is reserved);
 * Required Min RX may be zero (§6.8.1: "send me nothing").
 */
export function sessionConfig(input: SessionConfigInput): Result<SessionConfig, ValueError> {
  const d = discriminator(input.localDiscr);
  if (!d.ok) return d;
  const m = detectMult(input.detectMult);
  if (!m.ok) return m;
  const tx = intervalMicros(input.desiredMinTxUs);
  if (!tx.ok) return tx;
  if (tx.value === 0) return err({ code: "BFD_E_INTERVAL_RANGE", value: 0 });
  const rx = intervalMicros(input.requiredMinRxUs);
  if (!rx.ok) return rx;
  return ok({
    localDiscr: d.value,
    detectMult: m.value,
    desiredMinTx: tx.value,
    requiredMinRx: rx.value,
    passive: input.passive ?? false,
    controlPlaneIndependent: input.controlPlaneIndependent ?? false,
    ttl: input.ttl ?? { kind: "single-hop" },
    auth: input.auth ?? null,
  });
}

/**
 * Create a session in Down (§6.8.1 initial values) and, unless passive, send its first packet.
 * `random` seeds the jitter PRNG and bfd.XmitAuthSeq (§6.8.1: MUST start random).
 */
export function createSession(config: SessionConfig, now: Millis, random: Random): StepResult {
  const u32 = (): number => Math.floor(random() * (U32_MAX + 1)) >>> 0;
  const slow = { tx: desiredTxFor("Down", config.desiredMinTx), rx: config.requiredMinRx };
  let s: Session = {
    config,
    state: "Down",
    diag: Diag.None,
    remote: {
      discr: 0,
      state: "Down",
      demand: false,
      minRx: 1 as Micros,
      desiredMinTx: 0 as Micros,
      detectMult: 0,
      diag: 0,
    },
    advertised: slow,
    inUse: slow,
    poll: null,
    lastTxAt: null,
    txFraction: 1,
    lastRxAt: null,
    txTimer: null,
    detectTimer: null,
    nextGen: 1,
    rng: u32(),
    auth: { xmitSeq: u32(), rcv: { known: false, rcvSeq: 0 }, lastRxAt: null, detectTimeMs: 0 },
  };
  const actions: BfdAction[] = [];
  if (periodicAllowed(s)) s = sendPacket(s, now, "state-change", actions);
  s = rearmTimers(s, now, actions);
  return { session: s, actions };
}

/** Advance the session by one event. Pure: the same inputs give the same outputs. */
export function step(session: Session, event: BfdEvent, now: Millis): StepResult {
  const actions: BfdAction[] = [];
  let s = session;
  switch (event.kind) {
    case "rx":
      s = receive(s, event.packet, event.ttl, now, actions);
      break;
    case "timer":
      s = onTimer(s, event.timer, event.gen, now, actions);
      break;
    case "admin-down":
      // §6.8.16: stop detection (rearmTimers skips it in AdminDown) and tell the peer at once.
      // Periodic packets continue at the slow rate so the peer learns of it (RFC: SHOULD send for
      // at least a Detection Time); the shell may delete the session after that (§6.8.18).
      if (s.state !== "AdminDown") {
        s = transition(s, "AdminDown", event.diag ?? Diag.AdminDown, "admin-down", now, actions, true);
      }
      break;
    case "admin-up":
      if (s.state === "AdminDown") s = transition(s, "Down", Diag.None, "admin-up", now, actions, true);
      break;
    case "set-params": {
      const p = event.params;
      s = {
        ...s,
        config: {
          ...s.config,
          desiredMinTx: p.desiredMinTx ?? s.config.desiredMinTx,
          requiredMinRx: p.requiredMinRx ?? s.config.requiredMinRx,
          // §6.8.12: a Detect Mult change needs no Poll; the next packet carries it.
          detectMult: p.detectMult ?? s.config.detectMult,
          passive: p.passive ?? s.config.passive,
        },
      };
      break;
    }
    default:
      return assertNever(event, "bfd event");
  }
  s = reconcileAfterStep(s, now, actions);
  return { session: s, actions };
}

/**
 * Apply configuration changes (maybe starting a Poll) and re-derive the timers. A change queued
 * behind a finished Poll starts the next Poll here (poll.ts). The Poll's P bit rides on the
 * periodic packets (§6.5: no extra packets while periodic transmission runs).
 */
function reconcileAfterStep(s: Session, now: Millis, actions: BfdAction[]): Session {
  return rearmTimers(reconcileIntervals(s, now, actions), now, actions);
}

function onTimer(
  s: Session,
  timer: "tx" | "detect",
  gen: number,
  now: Millis,
  actions: BfdAction[],
): Session {
  if (timer === "tx") {
    if (s.txTimer === null || s.txTimer.gen !== gen) return s; // stale fire
    const cleared: Session = { ...s, txTimer: null };
    return periodicAllowed(cleared) ? sendPacket(cleared, now, "periodic", actions) : cleared;
  }
  if (s.detectTimer === null || s.detectTimer.gen !== gen) return s;
  // §6.8.1: no packet for a Detection Time clears bfd.RemoteDiscr (a passive session falls
  // silent again); §6.8.4: in Init or Up the session goes Down with diag 1.
  let next: Session = {
    ...s,
    detectTimer: null,
    lastRxAt: null,
    remote: { ...s.remote, discr: 0 },
  };
  if (next.state === "Init" || next.state === "Up") {
    next = transition(next, "Down", Diag.ControlDetectionExpired, "detection-expired", now, actions, true);
  }
  return next;
}

/** Longest a deleted session keeps announcing AdminDown (a multiplier of 255 at 1 s would be minutes). */
export const RETIRE_HOLD_MAX_MS = 30_000;

/**
 * How long a session being deleted keeps running in AdminDown, sending its periodic packets,
 * before it goes quiet and its discriminator may be reused. `s` is the session after the
 * `admin-down` step:
 * - §6.8.16: the peer SHOULD be told by packets for at least a Detection Time, so that it learns
 *   of the AdminDown instead of timing the session out (one lost packet would otherwise turn a
 *   planned removal into a path failure on the peer); the peer's Detection Time of us is our
 *   Detect Mult × max(its Required Min RX, the Desired Min TX we now advertise, which §6.8.3
 *   raises to at least 1 s outside Up — so about 3 s and 3–4 packets at the usual multiplier);
 * - §6.8.1: the session's state MUST be kept for at least a Detection Time after the last packet
 *   received (our Detection Time, counted from `lastRxAt`).
 * 0 when the peer was never heard (there is nobody to tell) or asked for no packets (Required Min
 * RX 0: periodic packets MUST NOT be sent). Capped at `RETIRE_HOLD_MAX_MS`.
 */
export function retireHoldMs(s: Session, now: Millis): number {
  if (s.remote.detectMult === 0 || s.remote.minRx === 0) return 0;
  const peers = s.config.detectMult * Math.max(s.remote.minRx, s.advertised.tx);
  const ours = s.remote.detectMult * Math.max(s.inUse.rx, s.remote.desiredMinTx);
  const sinceRx = s.lastRxAt === null ? Number.POSITIVE_INFINITY : now - s.lastRxAt;
  const hold = Math.max(peers / 1000, ours / 1000 - sinceRx);
  return Math.min(RETIRE_HOLD_MAX_MS, Math.max(0, Math.ceil(hold)));
}
