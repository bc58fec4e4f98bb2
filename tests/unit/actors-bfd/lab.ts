/**
 * A two-node BFD lab on one fake clock and an in-memory network: each node is an actor system
 * with a `BfdService`, so the whole actor layer runs without sockets, root or real time.
 */
import { pino } from "pino";
import { FakeClock } from "../../../actors/runtime/clock.js";
import { type ActorSystem, createActorSystem } from "../../../actors/runtime/system.js";
import { BfdService, type PeerInput, type StoredPeer } from "../../../actors/bfd/index.js";
import type { PeerStore } from "../../../actors/bfd/peer-store.js";
import type { PeerSpec } from "../../../actors/bfd/types.js";
import { MemoryNetwork } from "../../../dataplane/bfd/index.js";
import { seeded } from "../bfd/harness.js";

/** An in-memory `PeerStore`. */
export class MapStore implements PeerStore {
  readonly map = new Map<string, StoredPeer>();
  failWrites = false;
  get(key: string) {
    const v = this.map.get(key);
    return v === undefined ? undefined : { value: v };
  }
  list() {
    return [...this.map].map(([key, value]) => ({ key, value }));
  }
  async put(key: string, value: StoredPeer): Promise<void> {
    if (this.failWrites) throw new Error("disk full");
    this.map.set(key, value);
  }
  async delete(key: string): Promise<boolean> {
    return this.map.delete(key);
  }
}

/** One node. */
export interface Node {
  readonly system: ActorSystem;
  readonly service: BfdService;
  readonly store: MapStore;
}

/** The lab. */
export class Lab {
  readonly clock = new FakeClock(1000);
  readonly net = new MemoryNetwork();
  readonly nodes: Node[] = [];

  node(
    name: string,
    addresses: string[],
    seed: number,
    store = new MapStore(),
    config = new Map<string, PeerSpec>(),
  ): Node {
    const system = createActorSystem({ clock: this.clock, random: () => 0.5, onFatal: () => undefined });
    const service = new BfdService({
      actors: system,
      transport: this.net.host(name, addresses),
      logger: pino({ level: "silent" }),
      store,
      random: seeded(seed),
      wallClock: () => new Date(0),
    });
    service.start(config);
    const n = { system, service, store };
    this.nodes.push(n);
    return n;
  }

  /** Let every actor finish its queued work (messages hop between systems, so repeat). */
  async settle(): Promise<void> {
    for (let i = 0; i < 4; i++) {
      for (const n of this.nodes) await n.system.whenIdle();
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Advance virtual time in small steps, settling after each. */
  async run(ms: number, stepMs = 5): Promise<void> {
    for (let t = 0; t < ms; t += stepMs) {
      this.clock.advance(Math.min(stepMs, ms - t));
      await this.settle();
    }
  }

  /** Run until `cond` holds or `ms` of virtual time pass; returns the virtual time it took. */
  async until(cond: () => Promise<boolean>, ms: number, stepMs = 10): Promise<number> {
    const t0 = this.clock.now();
    while (this.clock.now() - t0 <= ms) {
      if (await cond()) return this.clock.now() - t0;
      await this.run(stepMs, stepMs);
    }
    throw new Error(`condition not met within ${ms} ms of virtual time`);
  }

  /** Resolve a promise that needs actor work to settle. */
  async await<T>(p: Promise<T>): Promise<T> {
    // Observe the outcome at once, so a rejection while settling is not "unhandled".
    const outcome = p.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    await this.settle();
    const r = await outcome;
    if (!r.ok) throw r.error;
    return r.value;
  }

  async stop(): Promise<void> {
    for (const n of this.nodes) {
      await n.service.stop();
      await n.system.stop({ deadlineMs: 1000 });
    }
  }
}

/** A single-hop peer input with 100 ms timers. */
export function peerInput(peer: string, listen: string, over: Partial<PeerInput> = {}): PeerInput {
  return { peer, listen, mode: "SingleHop", requiredRxUs: 100_000, detectMult: 3, ...over };
}
