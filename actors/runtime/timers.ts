/**
 * Per-actor named timers whose fires become messages to self, tagged with a
 * generation (style guide rule 7; DESIGN.md, Actors). Re-arming or cancelling
 * bumps/forgets the generation, so a fire that was already queued when the
 * actor changed its mind is recognised as stale and dropped instead of
 * delivering an outdated timeout.
 */
import type { Clock, TimerHandle } from "./clock.js";

type Entry = { readonly gen: number; handle: TimerHandle | undefined };

/** Named one-shot timers with generation tags. */
export class TimerTable<M> {
  private readonly armed = new Map<string, Entry>();
  private gen = 0;

  /** `deliver` is called on the clock's macrotask with the fire's generation. */
  constructor(
    private readonly clock: Clock,
    private readonly deliver: (name: string, gen: number, msg: M) => void,
  ) {}

  /** (Re-)arm `name`; the previous clock timer, if pending, is cleared and its generation retired. */
  arm(name: string, delayMs: number, msg: M): void {
    const prev = this.armed.get(name);
    if (prev?.handle !== undefined) this.clock.clearTimeout(prev.handle);
    const gen = ++this.gen;
    const entry: Entry = { gen, handle: undefined };
    this.armed.set(name, entry);
    entry.handle = this.clock.setTimeout(() => {
      entry.handle = undefined;
      this.deliver(name, gen, msg);
    }, delayMs);
  }

  /** Disarm `name`; a queued fire becomes stale. */
  cancel(name: string): void {
    const e = this.armed.get(name);
    if (e === undefined) return;
    if (e.handle !== undefined) this.clock.clearTimeout(e.handle);
    this.armed.delete(name);
  }

  /** Armed, or fired and awaiting handling. */
  isArmed(name: string): boolean {
    return this.armed.has(name);
  }

  /** Consume a fire: true (and disarm) when `gen` is current, false when stale. */
  take(name: string, gen: number): boolean {
    const e = this.armed.get(name);
    if (e === undefined || e.gen !== gen) return false;
    this.armed.delete(name);
    return true;
  }

  /** Cancel everything (the incarnation ended). */
  clear(): void {
    for (const e of this.armed.values()) if (e.handle !== undefined) this.clock.clearTimeout(e.handle);
    this.armed.clear();
  }
}
