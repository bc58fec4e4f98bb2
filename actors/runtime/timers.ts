/**
 * Per-actor named timers whose fires become messages to self, tagged with a
 * generation (style guide rule 7; DESIGN.md, Actors). Re-arming or cancelling
 * bumps/forgets the generation, so a fire that was already queued when the
 * actor changed its mind is recognised as stale and dropped instead of
 * delivering an outdated timeout. The timers themselves live in the system's
 * shared `TimerWheel` (one clock timer for all actors).
 */
import type { Bucket, TimerWheel, WheelEntry } from "./timer-wheel.js";

/**
 * One timer name of one actor: its current generation and message, whether it
 * is armed (or fired and not yet handled), and its place in the wheel. Reused
 * for every arm of the name, so a periodic timer allocates nothing per period
 * and the table's map never shrinks and regrows (V8 rehashes a Map that drops
 * to empty: `MapShrink` was visible per probe in `bench/health`). It is also
 * the envelope of its own fire in the actor's system queue (`queued`,
 * `firedGen`), so a fire allocates nothing either.
 */
export class Armed<M> implements WheelEntry {
  bucket: Bucket | undefined = undefined;
  index = -1;
  pending = false;
  /** In the owner's system queue, waiting to be handled. */
  queued = false;
  /** Generation of the latest fire (a queued fire coalesces to the newest). */
  firedGen = 0;
  /** The current arm may be handled inside the wheel's macrotask (`TimerOptions.inline`). */
  inline = false;
  /** Still in its table (false once the table was cleared: its fires are stale). */
  listed = true;
  constructor(
    private readonly table: TimerTable<M>,
    readonly name: string,
    public gen: number,
    public msg: M,
  ) {}
  fire(): void {
    this.table.fired(this);
  }
}

/** Named one-shot timers with generation tags. */
export class TimerTable<M> {
  private readonly armed = new Map<string, Armed<M>>();
  /** The entry armed last (a cache in front of `armed`). */
  private last: Armed<M> | undefined = undefined;
  private gen = 0;

  /** `deliver` is called from the wheel's macrotask with the fired entry (`firedGen` set). */
  constructor(
    private readonly wheel: TimerWheel,
    private readonly deliver: (fired: Armed<M>) => void,
  ) {}

  /**
   * (Re-)arm `name`; the previous timer, if pending, is unscheduled and its
   * generation retired. `slackMs`: how late the fire may be to share a
   * wake-up with other timers (default: the system's). `inline`: see
   * `TimerOptions.inline`.
   */
  arm(name: string, delayMs: number, msg: M, slackMs?: number, inline = false): void {
    // Most actors re-arm one name over and over: skip the map for it.
    let e = this.last !== undefined && this.last.name === name ? this.last : this.armed.get(name);
    if (e === undefined) {
      e = new Armed(this, name, ++this.gen, msg);
      this.armed.set(name, e);
      this.last = e;
    } else {
      this.last = e;
      this.wheel.cancel(e);
      e.gen = ++this.gen;
      e.msg = msg;
    }
    e.pending = true;
    e.inline = inline;
    this.wheel.schedule(e, delayMs, slackMs);
  }

  /** Disarm `name`; a queued fire becomes stale. */
  cancel(name: string): void {
    const e = this.armed.get(name);
    if (e === undefined || !e.pending) return;
    this.wheel.cancel(e);
    e.pending = false;
  }

  /** Armed, or fired and awaiting handling. */
  isArmed(name: string): boolean {
    return this.armed.get(name)?.pending === true;
  }

  /**
   * Consume the fire `e` carries: true (and disarm) when it is the current
   * generation of a live entry of this table, false when stale (re-armed,
   * cancelled, or the table was cleared since).
   */
  takeFired(e: Armed<M>): boolean {
    if (!e.pending || e.gen !== e.firedGen || e.bucket !== undefined || !e.listed) return false;
    e.pending = false;
    return true;
  }

  /** Cancel everything (the incarnation ended). */
  clear(): void {
    for (const e of this.armed.values()) {
      this.wheel.cancel(e);
      e.listed = false;
    }
    this.armed.clear();
    this.last = undefined;
  }

  /** Called by an entry when the wheel fires it. */
  fired(e: Armed<M>): void {
    e.firedGen = e.gen;
    this.deliver(e);
  }
}
