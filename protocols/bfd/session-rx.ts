/**
 * Receiving a Control packet: RFC 5880 §6.8.6 steps 10–21 (steps 1–9 ran in validate.ts before
 * the shell chose this session). Every discard becomes a `discard` action with its typed code.
 */
import type { Millis } from "../common/time.js";
import { seqStillKnown, verify } from "./auth.js";
import type { DiscardCode } from "./errors.js";
import { RX_TRANSITIONS, receivedReason } from "./fsm-table.js";
import { completePoll } from "./poll.js";
import { detectionTimeMs, sendPacket, transition } from "./session-effects.js";
import type { BfdAction, Session } from "./session-types.js";
import { checkAuthPresence, checkTtl, type ReceivedPacket } from "./validate.js";

function drop(s: Session, code: DiscardCode, detail: number, actions: BfdAction[]): Session {
  actions.push({ kind: "discard", discard: { code, detail } });
  return s;
}

/** Handle one received packet already validated by `parseReceived` and demultiplexed here. */
export function receive(
  s: Session,
  p: ReceivedPacket,
  ttl: number | undefined,
  now: Millis,
  actions: BfdAction[],
): Session {
  // Step 7, defensively: the shell selected us by discriminator, but the core re-checks so a
  // mis-routed packet cannot drive this session.
  if (p.yourDiscr !== 0 && p.yourDiscr !== s.config.localDiscr) {
    return drop(s, "YOUR_DISCR_UNKNOWN", p.yourDiscr, actions);
  }
  const ttlOk = checkTtl(ttl, s.config.ttl);
  if (!ttlOk.ok) return drop(s, ttlOk.error.code, ttlOk.error.detail, actions);
  const presence = checkAuthPresence(p, s.config.auth !== null);
  if (!presence.ok) return drop(s, presence.error.code, 0, actions);
  let next = s;
  if (s.config.auth !== null) {
    // Step 12 (§6.7). AuthSeqKnown lapses after 2 × Detection Time of silence (§6.8.1).
    const known = seqStillKnown(s.auth.rcv, s.auth.lastRxAt, s.auth.detectTimeMs, now);
    const v = verify(p, s.config.auth, known);
    if (!v.ok) return drop(s, v.error, 0, actions);
    next = { ...next, auth: { ...next.auth, rcv: v.value, lastRxAt: now } };
  }
  // Step 13: record the peer's variables. Step 14 (Echo) is a no-op: we never send Echo.
  next = {
    ...next,
    remote: {
      discr: p.myDiscr,
      state: p.state,
      demand: p.demand,
      minRx: p.requiredMinRx,
      desiredMinTx: p.desiredMinTx,
      detectMult: p.detectMult,
      diag: p.diag,
    },
  };
  if (next.config.auth !== null) {
    next = { ...next, auth: { ...next.auth, detectTimeMs: detectionTimeMs(next) ?? 0 } };
  }
  // Step 15: a Final ends our Poll. Step 16 (intervals) happens in rearmTimers after the step.
  if (p.final) next = completePoll(next, actions);
  const outcome = RX_TRANSITIONS[next.state][p.state];
  // Step 17: AdminDown keeps what was learnt above but discards the packet.
  if (outcome.kind === "discard") return drop(next, "LOCAL_ADMIN_DOWN", 0, actions);
  // Step 21: the packet counts for detection.
  next = { ...next, lastRxAt: now };
  // Step 18. When a Final is due anyway it carries the new state, so no separate packet.
  if (outcome.kind === "goto") {
    const diag = outcome.diag === "keep" ? next.diag : outcome.diag;
    next = transition(next, outcome.to, diag, receivedReason(p.state), now, actions, !p.poll);
  }
  // Step 19 (Demand) is applied by periodicAllowed when timers are re-derived.
  // Step 20: answer a Poll at once, whatever the timers or the peer's Demand mode say.
  if (p.poll) next = sendPacket(next, now, "final", actions);
  return next;
}
