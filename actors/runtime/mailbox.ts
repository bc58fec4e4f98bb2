/**
 * A bounded FIFO mailbox (style guide rule 16: bound everything that can
 * grow, and count what you drop). nact's own mailbox is an unbounded deque;
 * the runtime keeps messages here and hands nact at most one wake-up token
 * per actor, so nact's queue never holds more than one entry.
 *
 * Storage is a ring that starts small and doubles up to `capacity`, so ten
 * thousand idle actors with a capacity of 1024 do not preallocate 10M slots.
 */

/** What a full mailbox does with one more message. */
export type OverflowPolicy = "drop-newest" | "drop-oldest";

/** Per-kind mailbox settings. */
export interface MailboxOptions {
  /** Maximum queued messages (≥ 1). */
  readonly capacity: number;
  /** `drop-newest` refuses the new message; `drop-oldest` evicts the head to make room. */
  readonly overflow: OverflowPolicy;
}

/** Defaults: 1024 messages, refuse the newest (the sender learns it from `tell`'s result). */
export const DEFAULT_MAILBOX: MailboxOptions = { capacity: 1024, overflow: "drop-newest" };

/** Outcome of `offer`. `evicted` carries the message pushed out by `drop-oldest`. */
export type OfferResult<T> =
  | { readonly kind: "queued" }
  | { readonly kind: "refused" }
  | { readonly kind: "evicted"; readonly evicted: T };

const QUEUED = Object.freeze({ kind: "queued" as const });
const REFUSED = Object.freeze({ kind: "refused" as const });

/** Bounded FIFO ring buffer with an overflow policy. */
export class Mailbox<T> {
  private buf: Array<T | undefined>;
  private head = 0;
  private count = 0;
  readonly capacity: number;
  readonly overflow: OverflowPolicy;

  constructor(options: MailboxOptions = DEFAULT_MAILBOX) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) {
      throw new RangeError(`mailbox capacity must be an integer >= 1, got ${options.capacity}`);
    }
    this.capacity = options.capacity;
    this.overflow = options.overflow;
    this.buf = new Array<T | undefined>(Math.min(8, options.capacity));
  }

  /** Messages currently queued. */
  get size(): number {
    return this.count;
  }

  /** Append `item`, applying the overflow policy when full. */
  offer(item: T): OfferResult<T> {
    if (this.count === this.capacity) {
      if (this.overflow === "drop-newest") return REFUSED;
      const evicted = this.shift() as T;
      this.push(item);
      return { kind: "evicted", evicted };
    }
    this.push(item);
    return QUEUED;
  }

  /** Remove and return the oldest message, or undefined when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) % this.buf.length;
    this.count -= 1;
    return item;
  }

  /** Remove everything; returns how many messages were discarded. */
  clear(): number {
    const n = this.count;
    this.buf = new Array<T | undefined>(Math.min(8, this.capacity));
    this.head = 0;
    this.count = 0;
    return n;
  }

  /** A copy of the queued messages, oldest first (for tests and diagnostics). */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.buf[(this.head + i) % this.buf.length] as T);
    return out;
  }

  private push(item: T): void {
    if (this.count === this.buf.length) this.grow();
    this.buf[(this.head + this.count) % this.buf.length] = item;
    this.count += 1;
  }

  private grow(): void {
    const next = new Array<T | undefined>(Math.min(this.buf.length * 2, this.capacity));
    for (let i = 0; i < this.count; i++) next[i] = this.buf[(this.head + i) % this.buf.length];
    this.buf = next;
    this.head = 0;
  }
}
