/**
 * Publishes backend transitions to subscribers with latest-value semantics
 * (DESIGN.md, Actors; style guide rule 17, maghemite's watch channel): each
 * subscriber has a pending slot per backend that holds only the newest event,
 * drained on a macrotask. A burst of flaps inside one drain reaches a
 * subscriber as its final state, a slow subscriber cannot make a queue grow
 * past one entry per backend, and every subscriber still converges on the
 * final value. `subscribe` replays the current state of every backend first,
 * so a consumer that starts late (the LB reconciler) never misses one.
 */
import type { Logger } from "pino";
import type { ActorRef } from "../runtime/index.js";
import type { BackendStateEvent } from "./types.js";

/** A subscriber: a function or an actor. */
export type StateSubscriber = ((event: BackendStateEvent) => void) | ActorRef<BackendStateEvent>;

interface Slot {
  readonly deliver: (e: BackendStateEvent) => void;
  readonly pending: Map<string, BackendStateEvent>;
}

/** The latest-value publisher of backend states. */
export class StateBus {
  private readonly latestByName = new Map<string, BackendStateEvent>();
  private readonly slots = new Set<Slot>();
  private scheduled: NodeJS.Immediate | undefined;
  private waiters: (() => void)[] = [];

  constructor(private readonly log: Logger) {}

  /** Record `event` as the backend's newest state and queue it for every subscriber. */
  publish(event: BackendStateEvent): void {
    // A removed backend is announced once and then forgotten, so it is not replayed.
    if (event.state === "removed") this.latestByName.delete(event.name);
    else this.latestByName.set(event.name, event);
    for (const s of this.slots) s.pending.set(event.name, event);
    this.schedule();
  }

  /** The newest state of every backend still configured. */
  latest(): BackendStateEvent[] {
    return [...this.latestByName.values()];
  }

  /** Subscribe; the current state of every backend is delivered first. Returns the unsubscribe function. */
  subscribe(subscriber: StateSubscriber): () => void {
    const deliver =
      typeof subscriber === "function"
        ? subscriber
        : (e: BackendStateEvent) => {
            subscriber.tell(e);
          };
    const slot: Slot = { deliver, pending: new Map(this.latestByName) };
    this.slots.add(slot);
    this.schedule();
    return () => {
      this.slots.delete(slot);
    };
  }

  /** Resolves once everything published so far has been delivered (for tests and orderly stop). */
  settled(): Promise<void> {
    if (this.scheduled === undefined) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Drop subscribers and pending deliveries. */
  close(): void {
    this.slots.clear();
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    for (const w of this.waiters.splice(0)) w();
  }

  private schedule(): void {
    if (this.scheduled !== undefined || this.slots.size === 0) return;
    this.scheduled = setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = undefined;
    for (const slot of [...this.slots]) {
      const batch = [...slot.pending.values()];
      slot.pending.clear();
      for (const e of batch) {
        try {
          slot.deliver(e);
        } catch (err: unknown) {
          // One faulty subscriber must not starve the others.
          this.log.warn({ err, backend: e.name }, "health state subscriber threw");
        }
      }
    }
    if (this.scheduled === undefined) for (const w of this.waiters.splice(0)) w();
  }
}
