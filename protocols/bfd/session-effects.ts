/**
 * The session core's building blocks that produce actions: building and sending a packet,
 * changing state, and re-deriving both timers from the session after every step. Timers are
 * reconciled rather than edited in place: `rearmTimers` computes when each timer should fire and
 * emits `arm`/`cancel` only when that differs from what is armed, so no code path can forget one.
 */
import type { Millis } from "../common/time.js";
import { nextXmitSeq, sign } from "./auth.js";
import type { TransitionReason } from "./fsm-table.js";
import { type ControlPacket, encode } from "./packet.js";
import { abandonPoll, reconcileIntervals } from "./poll.js";
import type { BfdAction, SendReason, Session, TimerName, TimerSlot } from "./session-types.js";
import { detectionTimeMicros, jitterFraction, microsToMs, nextRandom, txIntervalMicros } from "./timers.js";
import type { Diag, SessionState } from "./types.js";

/** §6.8.7: a passive session MUST NOT transmit until it knows the peer's discriminator. */
export function mayTransmit(s: Session): boolean {
  return !(s.config.passive && s.remote.discr === 0);
}

/**
 * §6.8.7: periodic packets stop when the peer's Required Min RX is 0, and when the peer is in
 * Demand mode with both sides Up — unless a Poll is being sent.
 */
export function periodicAllowed(s: Session): boolean {
  if (!mayTransmit(s) || s.remote.minRx === 0) return false;
  const peerDemands = s.remote.demand && s.state === "Up" && s.remote.state === "Up";
  return !peerDemands || s.poll !== null;
}

/** The negotiated periodic interval in ms (§6.8.7), before jitter. */
export function txIntervalMs(s: Session): number {
  return microsToMs(txIntervalMicros(s.inUse.tx, s.remote.minRx));
}

/** The Detection Time in ms (§6.8.4), or null when detection is not running. */
export function detectionTimeMs(s: Session): number | null {
  const us = detectionTimeMicros(s.remote.detectMult, s.inUse.rx, s.remote.desiredMinTx);
  return us === null ? null : microsToMs(us);
}

/** The packet we would send now (§6.8.7 field contents). */
export function outgoingPacket(s: Session, final: boolean): ControlPacket {
  return {
    diag: s.diag,
    state: s.state,
    // P and F are never both set (§6.8.7): a Final goes out without P; the Poll continues.
    poll: s.poll !== null && !final,
    final,
    controlPlaneIndependent: s.config.controlPlaneIndependent,
    // Demand mode is not implemented locally (README), so D is never set.
    demand: false,
    multipoint: false,
    detectMult: s.config.detectMult,
    myDiscr: s.config.localDiscr,
    yourDiscr: s.remote.discr,
    desiredMinTx: s.advertised.tx,
    requiredMinRx: s.advertised.rx,
    // We do not loop Echo packets (§6.8.9: zero means no Echo support).
    requiredMinEchoRx: 0 as ControlPacket["requiredMinEchoRx"],
    auth: null,
  };
}

/** Emit one packet. Non-Final packets restart the periodic interval with a fresh jitter draw. */
export function sendPacket(s: Session, now: Millis, reason: SendReason, actions: BfdAction[]): Session {
  const plain = outgoingPacket(s, reason === "final");
  let next = s;
  let bytes: Uint8Array;
  let packet: ControlPacket;
  if (s.config.auth === null) {
    bytes = encode(plain);
    packet = plain;
  } else {
    const signed = sign(plain, s.config.auth, s.auth.xmitSeq);
    ({ bytes, packet } = signed);
    next = { ...next, auth: { ...next.auth, xmitSeq: nextXmitSeq(s.config.auth.type, s.auth.xmitSeq) } };
  }
  actions.push({ kind: "send", bytes, packet, reason });
  if (reason === "final") return next;
  const r = nextRandom(next.rng);
  return { ...next, rng: r.state, lastTxAt: now, txFraction: jitterFraction(r.value, s.config.detectMult) };
}

/**
 * Change state, record the reason, re-derive the intervals (slow TX outside Up, a Poll on entering
 * Up) and, when `announce`, tell the peer at once rather than at the next periodic packet.
 */
export function transition(
  s: Session,
  to: SessionState,
  diag: Diag,
  reason: TransitionReason,
  now: Millis,
  actions: BfdAction[],
  announce: boolean,
): Session {
  actions.push({ kind: "transition", from: s.state, to, diag, reason });
  let next: Session = { ...s, state: to, diag };
  if (s.state === "Up") next = abandonPoll(next, actions);
  next = reconcileIntervals(next, now, actions);
  if (announce && mayTransmit(next)) next = sendPacket(next, now, "state-change", actions);
  return next;
}

function reconcileTimer(
  s: Session,
  timer: TimerName,
  current: TimerSlot | null,
  at: Millis | null,
  actions: BfdAction[],
): { session: Session; slot: TimerSlot | null } {
  if (at === null) {
    if (current !== null) actions.push({ kind: "cancel", timer });
    return { session: s, slot: null };
  }
  if (current !== null && current.at === at) return { session: s, slot: current };
  const slot: TimerSlot = { at, gen: s.nextGen };
  actions.push({ kind: "arm", timer, at, gen: slot.gen });
  return { session: { ...s, nextGen: s.nextGen + 1 }, slot };
}

/**
 * Derive both timers from the session. TX: the last transmission plus the jittered interval, or
 * now if that has already passed (§6.8.3: a lowered Remote Min RX is honoured at once). Detect:
 * the last accepted packet plus the Detection Time (at the earliest now); not run in AdminDown
 * (§6.8.16).
 */
export function rearmTimers(s: Session, now: Millis, actions: BfdAction[]): Session {
  let txAt: Millis | null = null;
  if (periodicAllowed(s)) {
    const due = s.lastTxAt === null ? now : s.lastTxAt + s.txFraction * txIntervalMs(s);
    txAt = Math.max(now, due) as Millis;
  }
  const tx = reconcileTimer(s, "tx", s.txTimer, txAt, actions);
  let next: Session = { ...tx.session, txTimer: tx.slot };
  const dt = detectionTimeMs(next);
  // Clamped to now: after an admin-up or a shorter Detection Time the deadline may already have
  // passed, and then it expires at once rather than being armed in the past.
  const detectAt =
    next.state !== "AdminDown" && next.lastRxAt !== null && dt !== null
      ? (Math.max(now, next.lastRxAt + dt) as Millis)
      : null;
  const det = reconcileTimer(next, "detect", next.detectTimer, detectAt, actions);
  next = { ...det.session, detectTimer: det.slot };
  return next;
}

/**
 * §6.8.1 / §6.8.18: once a packet has been received, session state MUST survive at least one
 * Detection Time after the last one, so a shell deleting a session keeps it (and keeps answering)
 * until this instant. Null when nothing holds it.
 */
export function holdUntil(s: Session): Millis | null {
  const dt = detectionTimeMs(s);
  return s.lastRxAt === null || dt === null ? null : ((s.lastRxAt + dt) as Millis);
}
