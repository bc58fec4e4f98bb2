/**
 * `BackendStates` implementations: a settable source (tests, and the
 * fallback the daemon uses when no health subsystem runs), and the adapter
 * onto the health subsystem's state bus.
 */
import type { BackendState } from "../../protocols/lb/types.js";
import type { BackendStateChange, BackendStates } from "./types.js";

/**
 * A source whose states are set by hand. `subscribe` replays the current
 * table synchronously, then every `set` is delivered synchronously (callers
 * that need coalescing get it from the fanout).
 */
export class ManualBackendStates implements BackendStates {
  private readonly table = new Map<string, BackendState>();
  private readonly listeners = new Set<(c: BackendStateChange) => void>();

  constructor(initial: Iterable<readonly [string, BackendState]> = []) {
    for (const [n, s] of initial) this.table.set(n, s);
  }

  /** Set a backend's state and publish it (a repeat of the same state is published too). */
  set(name: string, state: BackendState): void {
    this.table.set(name, state);
    for (const l of [...this.listeners]) l({ name, state });
  }

  /** The current table. */
  get(name: string): BackendState | undefined {
    return this.table.get(name);
  }

  subscribe(listener: (c: BackendStateChange) => void): () => void {
    this.listeners.add(listener);
    for (const [name, state] of this.table) listener({ name, state });
    return () => this.listeners.delete(listener);
  }
}

/** What the LB needs of a configured backend to guess its state without a checker. */
export interface StaticBackend {
  readonly name: string;
  readonly hasHealthcheck: boolean;
  readonly enabled: boolean;
}

/**
 * The states a backend would have with no health subsystem running: the
 * initial states of the health core (maglev-vpp §3.6 static backends are `up`
 * at once, `enabled: false` is `disabled`); a backend with a check stays
 * `unknown` because nothing probes it. Used by the daemon only until the
 * health subsystem is wired in, and by tests.
 */
export function staticBackendStates(backends: readonly StaticBackend[]): ManualBackendStates {
  const initial: [string, BackendState][] = [];
  for (const b of backends) {
    if (!b.enabled) initial.push([b.name, "disabled"]);
    else if (!b.hasHealthcheck) initial.push([b.name, "up"]);
  }
  return new ManualBackendStates(initial);
}

/**
 * The shape of the health subsystem's subscription (`HealthService.subscribe`
 * in `actors/health/service.ts`): a function subscriber receives events with
 * at least `name` and `state`, the current state of every backend first.
 */
export interface HealthSubscription {
  subscribe(listener: (e: { readonly name: string; readonly state: BackendState }) => void): () => void;
}

/** Adapt the health subsystem's latest-value bus: the same contract, only narrowed to what the LB reads. */
export function healthBackendStates(health: HealthSubscription): BackendStates {
  return {
    subscribe: (listener) => health.subscribe((e) => listener({ name: e.name, state: e.state })),
  };
}
