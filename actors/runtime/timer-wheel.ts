/**
 * One clock timer for every actor timer of a system. Actor timers are
 * grouped into buckets by due instant rounded up to the timer's slack
 * (`slackMs`: 1 ms by default on the system clock, 0 = exact on a fake
 * clock); the wheel keeps a single clock timer armed for the earliest bucket
 * and fires whole buckets at once.
 *
 * Why: with one Node timer per actor timer, 1,000 backends probed every
 * second with jittered delays meant ~1,000 distinct Node timer lists, a
 * priority-queue insert per arm, and an event-loop wake-up per millisecond
 * that had a fire. On this machine a wake-up from an idle event loop costs
 * tens of µs of CPU whatever little it does (`bench/health`: a bare loop of
 * 1,000 re-armed timers costs ~32 µs per fire at 1 ms granularity, ~15 µs
 * with 10 ms buckets), so timers that may be a little late (health probes,
 * whose schedule is jittered anyway) ask for a larger slack and share
 * wake-ups.
 *
 * Guarantees: a timer never fires before its due instant minus the clock's
 * own early-fire tolerance (`Clock.earlyMs`: Node's timers run on a
 * millisecond-truncated loop clock and can come up to 1 ms early; a fake
 * clock is exact), and at most `slackMs` after it plus event-loop lag.
 * Timers of one bucket fire in arming order; buckets in due order. A timer
 * armed while a bucket fires waits for the next clock timer (a macrotask),
 * even with delay 0, so a timer that re-arms itself cannot starve the loop.
 */
import { type Clock, clampDelay, type TimerHandle } from "./clock.js";

/** Something the wheel fires once; its two fields are the wheel's bookkeeping. */
export interface WheelEntry {
  /** Called once at (or just after) the due instant, unless cancelled first. */
  fire(): void;
  /** The bucket holding the entry while it is scheduled; managed by the wheel. */
  bucket: Bucket | undefined;
  /** Position in the bucket; managed by the wheel. */
  index: number;
}

/**
 * Timers sharing one (rounded) due instant. Buckets are recycled once fired
 * or emptied, with their entry arrays (filled up to `count`, never truncated:
 * truncating drops the array's storage), so a steady stream of timers does
 * not regrow an array per bucket.
 */
export interface Bucket {
  key: number;
  readonly entries: (WheelEntry | undefined)[];
  /** Slots of `entries` in use; the rest are stale or unallocated. */
  count: number;
  live: number;
}

/** Recycled buckets kept at most (a bucket per 10 ms of a 1 s period is ~100). */
const SPARE_BUCKETS = 256;

/** Shared timer wheel of one actor system. */
export class TimerWheel {
  private readonly buckets = new Map<number, Bucket>();
  /** Min-heap of bucket keys; may hold keys of buckets emptied by cancels (skipped, compacted). */
  private readonly keys: number[] = [];
  private armedKey = Number.POSITIVE_INFINITY;
  private handle: TimerHandle | undefined;
  private readonly early: number;
  private readonly due: Bucket[] = [];
  private readonly spare: Bucket[] = [];
  private firing = false;
  private readonly onTimer = (): void => this.fireDue();

  /**
   * `slackMs`: how late a timer may fire by default, to share a wake-up with
   * others (0 = exact). `onError` receives anything a timer's `fire` throws.
   */
  constructor(
    private readonly clock: Clock,
    readonly slackMs: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.early = clock.earlyMs ?? 0;
  }

  /** Timers scheduled and not yet fired or cancelled. */
  get size(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.live;
    return n;
  }

  /** Schedule `entry` to fire after `delayMs`, at most `slackMs` late. The entry must not be scheduled already. */
  schedule(entry: WheelEntry, delayMs: number, slackMs = this.slackMs): void {
    const due = this.clock.now() + clampDelay(delayMs);
    const key = slackMs > 0 ? Math.ceil(due / slackMs) * slackMs : due;
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = this.spare.pop() ?? { key, entries: [], count: 0, live: 0 };
      b.key = key;
      this.buckets.set(key, b);
      this.pushKey(key);
      // While a round fires, `fireDue` arms once at its end.
      if (key < this.armedKey && !this.firing) this.arm(key);
    }
    entry.bucket = b;
    entry.index = b.count;
    b.entries[b.count++] = entry;
    b.live += 1;
  }

  /** Unschedule `entry`; a no-op if it already fired or was never scheduled. */
  cancel(entry: WheelEntry): void {
    const b = entry.bucket;
    if (b === undefined) return;
    entry.bucket = undefined;
    b.entries[entry.index] = undefined;
    b.live -= 1;
    if (b.live > 0 || this.buckets.get(b.key) !== b) return;
    this.buckets.delete(b.key);
    // Keep the heap proportional to the live buckets when long timers are re-armed often.
    if (this.keys.length > 2 * this.buckets.size + 64) this.rebuildKeys();
    if (b.key === this.armedKey) this.rearm();
    this.recycle(b);
  }

  /** Keep an empty bucket (every slot already cleared) for reuse. */
  private recycle(b: Bucket): void {
    b.count = 0;
    b.live = 0;
    if (this.spare.length < SPARE_BUCKETS) this.spare.push(b);
  }

  /** Drop every timer and the clock timer (the system stopped). */
  clear(): void {
    for (const b of this.buckets.values()) {
      for (const e of b.entries) if (e !== undefined) e.bucket = undefined;
    }
    this.buckets.clear();
    this.keys.length = 0;
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
    this.armedKey = Number.POSITIVE_INFINITY;
  }

  private fireDue(): void {
    this.handle = undefined;
    this.armedKey = Number.POSITIVE_INFINITY;
    this.firing = true;
    const limit = this.clock.now() + this.early;
    // Take the due buckets first: timers armed while these fire go to later buckets.
    const due = this.due;
    while (this.keys.length > 0 && (this.keys[0] as number) <= limit) {
      const b = this.buckets.get(this.popKey());
      if (b === undefined) continue;
      this.buckets.delete(b.key);
      due.push(b);
    }
    for (const b of due) {
      const es = b.entries;
      for (let i = 0; i < b.count; i++) {
        const e = es[i];
        if (e === undefined) continue; // cancelled by an earlier fire of this round
        es[i] = undefined;
        e.bucket = undefined;
        b.live -= 1;
        try {
          e.fire();
        } catch (err: unknown) {
          this.onError(err);
        }
      }
    }
    for (const b of due) this.recycle(b);
    due.length = 0;
    this.firing = false;
    this.rearm();
  }

  /** Arm the clock timer for the earliest live bucket, if it is not armed for it already. */
  private rearm(): void {
    while (this.keys.length > 0 && !this.buckets.has(this.keys[0] as number)) this.popKey();
    const top = this.keys[0];
    if (top === undefined) {
      if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
      this.handle = undefined;
      this.armedKey = Number.POSITIVE_INFINITY;
      return;
    }
    if (top !== this.armedKey) this.arm(top);
  }

  private arm(key: number): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.armedKey = key;
    this.handle = this.clock.setTimeout(this.onTimer, key - this.clock.now());
  }

  private rebuildKeys(): void {
    this.keys.length = 0;
    for (const k of this.buckets.keys()) this.pushKey(k);
  }

  private pushKey(k: number): void {
    const h = this.keys;
    let i = h.length;
    h.push(k);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pk = h[p] as number;
      if (pk <= k) break;
      h[i] = pk;
      i = p;
    }
    h[i] = k;
  }

  private popKey(): number {
    const h = this.keys;
    const top = h[0] as number;
    const last = h.pop() as number;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && (h[r] as number) < (h[l] as number) ? r : l;
        if ((h[c] as number) >= last) break;
        h[i] = h[c] as number;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
