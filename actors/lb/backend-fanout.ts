/**
 * Routes backend states to the frontend reconcilers that use them, with
 * latest-value semantics (DESIGN.md, Actors; style guide rule 17).
 *
 * One subscription to the `BackendStates` source feeds an index backend →
 * watchers, so a transition reaches only the frontends that reference the
 * backend (with 1,000 frontends, subscribing each one to the source would
 * copy the whole state table per frontend). Each watcher has a pending slot
 * per backend holding only the newest state; slots are drained on a
 * macrotask into one message per frontend. A refused delivery (a full
 * mailbox) keeps the slot and retries shortly, so a frontend always
 * converges on the final value even though its mailbox is bounded.
 */
import type { Logger } from "pino";
import type { BackendState } from "../../protocols/lb/types.js";
import type { BackendStateChange, BackendStates } from "./types.js";

/** Delivers a batch; returns false when the receiver refused it (retry later). */
export type Deliver = (changes: readonly BackendStateChange[]) => boolean;

/** A transition seen by the fanout (the event stream and metrics listen to these). */
export interface BackendTransitionSeen {
  readonly name: string;
  readonly from: BackendState | undefined;
  readonly to: BackendState;
}

interface Watcher {
  backends: ReadonlySet<string>;
  readonly deliver: Deliver;
  readonly pending: Map<string, BackendState>;
}

/** A registration; `update` changes the watched set (a reload), `close` ends it. */
export interface Watch {
  update(backends: Iterable<string>): void;
  close(): void;
}

/** Retry delay after a refused delivery. */
const RETRY_MS = 10;

/** The fanout. */
export class BackendFanout {
  private readonly latestByName = new Map<string, BackendState>();
  private readonly byBackend = new Map<string, Set<Watcher>>();
  private readonly dirty = new Set<Watcher>();
  private readonly listeners = new Set<(t: BackendTransitionSeen) => void>();
  private scheduled: NodeJS.Immediate | NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly log: Logger) {}

  /** Subscribe to the source (its replay fills the table). */
  start(source: BackendStates): void {
    this.unsubscribe ??= source.subscribe((c) => this.onChange(c));
  }

  /** Unsubscribe and drop every watcher and pending delivery. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.byBackend.clear();
    this.dirty.clear();
    if (this.scheduled !== undefined) {
      clearImmediate(this.scheduled as NodeJS.Immediate);
      clearTimeout(this.scheduled as NodeJS.Timeout);
    }
    this.scheduled = undefined;
  }

  /** The newest state of every backend reported so far. */
  latest(): ReadonlyMap<string, BackendState> {
    return this.latestByName;
  }

  /** Listen to every backend transition (not replayed). */
  onTransition(listener: (t: BackendTransitionSeen) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Watch `backends`; the newest known state of each is delivered first (a
   * backend nobody reported yet is simply not in the batch: it is `unknown`).
   */
  watch(backends: Iterable<string>, deliver: Deliver): Watch {
    const w: Watcher = { backends: new Set(), deliver, pending: new Map() };
    const update = (names: Iterable<string>): void => {
      for (const b of w.backends) this.byBackend.get(b)?.delete(w);
      w.backends = new Set(names);
      for (const b of w.backends) {
        const set = this.byBackend.get(b) ?? new Set<Watcher>();
        this.byBackend.set(b, set);
        set.add(w);
        const s = this.latestByName.get(b);
        if (s !== undefined) w.pending.set(b, s);
      }
      if (w.pending.size > 0) this.markDirty(w);
    };
    update(backends);
    return {
      update,
      close: () => {
        for (const b of w.backends) this.byBackend.get(b)?.delete(w);
        w.pending.clear();
        this.dirty.delete(w);
      },
    };
  }

  private onChange(c: BackendStateChange): void {
    const from = this.latestByName.get(c.name);
    this.latestByName.set(c.name, c.state);
    if (from !== c.state) {
      for (const l of this.listeners) {
        try {
          l({ name: c.name, from, to: c.state });
        } catch (err: unknown) {
          this.log.warn({ err, backend: c.name }, "backend transition listener threw");
        }
      }
    }
    for (const w of this.byBackend.get(c.name) ?? []) {
      w.pending.set(c.name, c.state);
      this.markDirty(w);
    }
  }

  private markDirty(w: Watcher): void {
    this.dirty.add(w);
    this.scheduled ??= setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = undefined;
    let refused = false;
    for (const w of [...this.dirty]) {
      const batch = [...w.pending].map(([name, state]) => ({ name, state }));
      let accepted = false;
      try {
        accepted = w.deliver(batch);
      } catch (err: unknown) {
        this.log.warn({ err }, "backend state delivery threw");
      }
      if (accepted) {
        w.pending.clear();
        this.dirty.delete(w);
      } else refused = true;
    }
    // A receiver with a full mailbox keeps its slot; try again shortly rather than spin.
    if (refused && this.scheduled === undefined) {
      this.scheduled = setTimeout(() => this.drain(), RETRY_MS);
    }
  }
}
