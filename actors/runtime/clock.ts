/**
 * Time source for actors. Durations are measured on a monotonic clock
 * (`performance.now()`), never wall-clock `Date`, so NTP steps cannot shorten
 * a BFD detection time or a restart backoff (DESIGN.md, Actors). Scheduling
 * goes through the same interface so tests drive timers with `FakeClock`
 * instead of sleeping (style guide rule 38).
 */
import type { Millis } from "../../protocols/common/time.js";

/** An opaque handle returned by `Clock.setTimeout`. */
export type TimerHandle = { readonly __timerHandle: unique symbol };

/** Monotonic time plus one-shot macrotask scheduling. */
export interface Clock {
  /** Monotonic milliseconds since an arbitrary origin. */
  now(): Millis;
  /** Run `fn` once after `ms` (clamped to [0, 2^31-1]); always a macrotask, never a microtask. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancel a pending timer; cancelling a fired or unknown handle is a no-op. */
  clearTimeout(handle: TimerHandle): void;
  /**
   * How much earlier than `now()` says a timer may fire (absent: exact). The
   * runtime's timer wheel fires buckets due within this tolerance instead of
   * waking up again for a fraction of a millisecond.
   */
  readonly earlyMs?: number;
}

/** Node's timers cap delays at 2^31-1 ms and fire immediately beyond; clamp instead. */
const MAX_DELAY = 2_147_483_647;

/** Clamp a delay into the range Node's timers accept; NaN and negatives become 0. */
export function clampDelay(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(ms, MAX_DELAY);
}

/** The production clock: `performance.now()` and the global timers. */
export class SystemClock implements Clock {
  /**
   * Node's timers compare against libuv's loop clock, truncated to whole
   * milliseconds, so a timer can fire up to 1 ms before `performance.now()`
   * has advanced by its full delay.
   */
  readonly earlyMs = 1;

  now(): Millis {
    return performance.now() as Millis;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    // Whole milliseconds, rounded up (never early): Node keeps one timer list per
    // distinct duration, so fractional delays (the timer wheel's `due − now`) made
    // a new list, and a priority-queue insert and removal, for every clock timer.
    return setTimeout(fn, Math.ceil(clampDelay(ms))) as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle as unknown as NodeJS.Timeout);
  }
}

type FakeTimer = { readonly id: number; readonly due: number; readonly seq: number; readonly fn: () => void };

/**
 * A virtual clock for tests. Time moves only through `advance`/`runNext`;
 * due timers fire in (due time, scheduling order) order with `now()` set to
 * each timer's due time, and timers scheduled while firing run in the same
 * `advance` if they fall due within it.
 */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Map<number, FakeTimer>();

  constructor(start = 0) {
    this.current = start;
  }

  now(): Millis {
    return this.current as Millis;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { id, due: this.current + clampDelay(ms), seq: id, fn });
    return id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as unknown as number);
  }

  /** Number of timers still pending. */
  pending(): number {
    return this.timers.size;
  }

  /** Due time of the earliest pending timer, if any. */
  nextDue(): Millis | undefined {
    const t = this.earliest();
    return t === undefined ? undefined : (t.due as Millis);
  }

  /** Move time forward by `ms`, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const target = this.current + Math.max(0, ms);
    for (;;) {
      const t = this.earliest();
      if (t === undefined || t.due > target) break;
      this.timers.delete(t.id);
      this.current = Math.max(this.current, t.due);
      t.fn();
    }
    this.current = target;
  }

  /** Jump to the earliest pending timer and fire it (and any due at the same instant). Returns false if none. */
  runNext(): boolean {
    const t = this.earliest();
    if (t === undefined) return false;
    this.advance(t.due - this.current);
    return true;
  }

  private earliest(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers.values()) {
      if (best === undefined || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
