/**
 * The effect collector `step` uses while handling one event: actions in
 * order, plus the timer generations they imply (style guide §7 rule 7:
 * timers are `arm`/`cancel` actions tagged with a generation, and a fire
 * with another generation is stale).
 */
import type { Millis } from "../common/time.js";
import type { DdmAction, DdmCounter, DdmState, StateName, TimerName, TransitionReason } from "./fsm-types.js";

/** Collects actions and timer bookkeeping while one event is handled. */
export class Effects {
  readonly actions: DdmAction[] = [];
  timers: Partial<Record<TimerName, number>>;
  nextGen: number;

  constructor(s: DdmState) {
    this.timers = { ...s.timers };
    this.nextGen = s.nextGen;
  }

  emit(a: DdmAction): void {
    this.actions.push(a);
  }

  count(counter: DdmCounter): void {
    this.actions.push({ kind: "count", counter });
  }

  arm(timer: TimerName, at: Millis): void {
    const gen = this.nextGen++;
    this.timers[timer] = gen;
    this.actions.push({ kind: "arm", timer, at, gen });
  }

  cancel(timer: TimerName): void {
    if (this.timers[timer] === undefined) return;
    delete this.timers[timer];
    this.actions.push({ kind: "cancel", timer });
  }

  transition(from: StateName, to: StateName, reason: TransitionReason): void {
    this.actions.push({ kind: "transition", from, to, reason });
  }
}
