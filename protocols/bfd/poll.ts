/**
 * Timer-parameter changes and the Poll Sequence (RFC 5880 §6.5, §6.8.3). `advertised` is what
 * our packets carry; `inUse` is what our timers use. A change while Up starts a Poll, and the
 * two unsafe directions wait for the Final: a larger Desired Min TX must not slow our sending
 * before the peer has widened its Detection Time, and a smaller Required Min RX must not shrink
 * our Detection Time before the peer sends faster. The safe directions apply at once.
 *
 * Decisions where the RFC leaves room (README: divergences):
 * - One Poll at a time (§6.5). A change made while a Poll runs is not advertised until that Poll
 *   ends, then gets its own Poll — the RFC's "second Poll after the first terminates" option.
 * - Polls run only while Up. Outside Up neither deferral applies (both are conditioned on Up),
 *   every packet carries the current values and the peer applies them on receipt (§6.8.6 step
 *   13/16), so a change takes effect at once and no Poll is started. Leaving Up abandons a Poll
 *   and applies any deferred values.
 */
import type { Micros, Millis } from "../common/time.js";
import type { BfdAction, Intervals, Session } from "./session-types.js";
import { desiredTxFor } from "./timers.js";

/** The intervals the configuration asks for in the current state. */
export function targetIntervals(s: Session): Intervals {
  return { tx: desiredTxFor(s.state, s.config.desiredMinTx), rx: s.config.requiredMinRx };
}

function same(a: Intervals, b: Intervals): boolean {
  return a.tx === b.tx && a.rx === b.rx;
}

/** Bring `advertised`/`inUse` towards the configuration, starting a Poll when Up (§6.8.3). */
export function reconcileIntervals(s: Session, now: Millis, actions: BfdAction[]): Session {
  if (s.poll !== null) return s;
  const target = targetIntervals(s);
  if (same(target, s.advertised)) return s;
  if (s.state !== "Up") return { ...s, advertised: target, inUse: target };
  const inUse: Intervals = {
    // A faster TX or a longer Detection Time is safe at once; the opposite waits for the Final.
    tx: Math.min(target.tx, s.inUse.tx) as Micros,
    rx: Math.max(target.rx, s.inUse.rx) as Micros,
  };
  actions.push({ kind: "poll", event: "started" });
  return { ...s, advertised: target, inUse, poll: { since: now } };
}

/** §6.8.6 step 15: a Final ends the Poll; deferred values take effect. A Final with no Poll is ignored. */
export function completePoll(s: Session, actions: BfdAction[]): Session {
  if (s.poll === null) return s;
  actions.push({ kind: "poll", event: "completed" });
  return { ...s, poll: null, inUse: s.advertised };
}

/** The session left Up: stop polling and apply what was deferred. */
export function abandonPoll(s: Session, actions: BfdAction[]): Session {
  if (s.poll === null) return s;
  actions.push({ kind: "poll", event: "abandoned" });
  return { ...s, poll: null, inUse: s.advertised };
}
