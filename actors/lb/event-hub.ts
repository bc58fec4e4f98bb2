/**
 * Backend and frontend transitions for the event stream (`GET /events`,
 * maglev-vpp §4.3 `WatchEvents`): live transitions to every subscriber, and
 * on subscribe a replay of the current state of every backend and frontend
 * as synthetic events with `from === to`, so a client hydrates before the
 * first live event (upstream replays one `FrontendEvent` per frontend the
 * same way). Holds only the newest state per name, never a history.
 */
import type { Logger } from "pino";
import type { FrontendState } from "../../protocols/lb/frontend-state.js";
import type { LbTransition } from "./types.js";

/** A subscriber. */
export type TransitionListener = (t: LbTransition) => void;

/** The hub. */
export class LbEventHub {
  private readonly backends = new Map<string, string>();
  private readonly frontends = new Map<string, FrontendState>();
  private readonly listeners = new Set<TransitionListener>();

  constructor(
    private readonly log: Logger,
    private readonly wallClock: () => Date = () => new Date(),
  ) {}

  /** Record and broadcast a backend transition. */
  backend(name: string, from: string | undefined, to: string): void {
    this.backends.set(name, to);
    this.emit({ type: "backend", name, from: from ?? to, to, at: this.wallClock().toISOString() });
  }

  /** Record and broadcast a frontend transition (`from` undefined: the frontend just appeared). */
  frontend(name: string, from: FrontendState | undefined, to: FrontendState): void {
    this.frontends.set(name, to);
    this.emit({ type: "frontend", name, from: from ?? to, to, at: this.wallClock().toISOString() });
  }

  /** A frontend left the config: forget it (no more replay). */
  forgetFrontend(name: string): void {
    this.frontends.delete(name);
  }

  /** Current frontend states (the one-hot metric reads this at scrape time). */
  frontendStates(): ReadonlyMap<string, FrontendState> {
    return this.frontends;
  }

  /** Subscribe: the current state of everything is delivered first, synchronously. */
  subscribe(listener: TransitionListener): () => void {
    const at = this.wallClock().toISOString();
    const replay: LbTransition[] = [];
    for (const [name, s] of [...this.backends].sort(byName))
      replay.push({ type: "backend", name, from: s, to: s, at });
    for (const [name, s] of [...this.frontends].sort(byName))
      replay.push({ type: "frontend", name, from: s, to: s, at });
    for (const t of replay) listener(t);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Number of live subscribers (for tests and diagnostics). */
  get subscribers(): number {
    return this.listeners.size;
  }

  private emit(t: LbTransition): void {
    for (const l of [...this.listeners]) {
      try {
        l(t);
      } catch (err: unknown) {
        // One broken stream must not stop the others.
        this.log.warn({ err, name: t.name }, "event subscriber threw");
      }
    }
  }
}

function byName(a: readonly [string, unknown], b: readonly [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}
