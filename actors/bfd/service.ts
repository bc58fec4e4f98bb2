/**
 * The BFD subsystem's facade for the composition root and the API: it starts the supervisor with
 * the config file's peers and the persisted ones, turns API calls into asks (always with a
 * deadline), persists what the API adds or changes, and applies config reloads as a diff.
 *
 * Sources of peers (DESIGN.md, Persistence): the config file is the source for what it declares;
 * the store holds peers added over the API. A peer in both is the config's (its store record is
 * dropped). Config-declared peers cannot be deleted over the API (change the file and reload);
 * they can be PATCHed, and such a change lasts until the next reload that touches the peer.
 */
import type { Logger } from "pino";
import { err, ok, type Result } from "../../protocols/common/result.js";
import type { Random } from "../../protocols/common/time.js";
import { type BfdTransport, MULTI_HOP_PORT, SINGLE_HOP_PORT } from "../../dataplane/bfd/index.js";
import { type ActorRef, type ActorSystem, ask } from "../runtime/index.js";
import { BfdError, type BfdFailure, toBfdError } from "./errors.js";
import { type BfdMetrics, createBfdMetrics } from "./metrics.js";
import { canonicalPeerAddress, type PeerInput, parsePeerSpec } from "./peer-spec.js";
import { type PeerStore, specFromStored, storedPeer } from "./peer-store.js";
import { bfdSupervisor, type SupervisorMsg } from "./supervisor.js";
import type { BfdMode, PeerSpec, PeerUpdate, SessionSnapshot } from "./types.js";

/** Options of the BFD service. */
export interface BfdServiceOptions {
  readonly actors: ActorSystem;
  readonly transport: BfdTransport;
  readonly logger: Logger;
  /** Where API-added peers persist; without one they live until the daemon stops. */
  readonly store?: PeerStore;
  readonly random?: Random;
  /** Transitions kept per session (default 16). */
  readonly historyLimit?: number;
  /** Deadline of each ask (default 2000 ms). */
  readonly askTimeoutMs?: number;
  /** UDP ports (default 3784 / 4784); tests on a shared host may move them. */
  readonly ports?: { readonly singleHop: number; readonly multiHop: number };
  readonly wallClock?: () => Date;
}

/** Name of the supervisor under the actor system's root. */
export const SUPERVISOR_NAME = "bfd";

/** The running BFD subsystem. */
export class BfdService {
  readonly metrics: BfdMetrics;
  /** Every peer that should exist, by canonical address (what a restarted supervisor re-creates). */
  private readonly desired = new Map<string, PeerSpec>();
  /** Config-file peers: name → canonical address. */
  private configNames = new Map<string, string>();
  private supervisor: ActorRef<SupervisorMsg> | undefined;
  private readonly askTimeoutMs: number;

  constructor(private readonly o: BfdServiceOptions) {
    this.metrics = createBfdMetrics(o.actors.registry);
    this.askTimeoutMs = o.askTimeoutMs ?? 2000;
  }

  /** Spawn the supervisor with the config's peers (by name) and the persisted ones. */
  start(configPeers: ReadonlyMap<string, PeerSpec>): void {
    for (const [name, spec] of configPeers) {
      this.configNames.set(name, spec.peer);
      this.desired.set(spec.peer, spec);
    }
    for (const rec of this.o.store?.list() ?? []) {
      const spec = specFromStored(rec.value);
      if (!spec.ok) {
        this.o.logger.error({ peer: rec.key, err: spec.error }, "ignoring an unreadable persisted BFD peer");
      } else if (this.desired.has(spec.value.peer)) {
        this.o.logger.warn(
          { peer: rec.key },
          "persisted BFD peer is declared in the config file; the config wins",
        );
        void this.o.store?.delete(rec.key).catch(() => undefined);
      } else this.desired.set(spec.value.peer, spec.value);
    }
    const ports = this.o.ports ?? { singleHop: SINGLE_HOP_PORT, multiHop: MULTI_HOP_PORT };
    this.supervisor = this.o.actors.spawn(
      bfdSupervisor({
        transport: this.o.transport,
        metrics: this.metrics,
        random: this.o.random ?? Math.random,
        historyLimit: this.o.historyLimit ?? 16,
        wallClock: this.o.wallClock ?? (() => new Date()),
        port: (mode: BfdMode) => (mode === "SingleHop" ? ports.singleHop : ports.multiHop),
        desired: () => [...this.desired.values()],
        askTimeoutMs: this.askTimeoutMs,
      }),
      SUPERVISOR_NAME,
    );
  }

  private ref(): ActorRef<SupervisorMsg> {
    if (this.supervisor === undefined)
      throw new BfdError("BFD_E_NOT_RUNNING", "the BFD subsystem is not running");
    return this.supervisor;
  }

  private async addSpec(spec: PeerSpec): Promise<Result<true, BfdFailure>> {
    const r = await ask<SupervisorMsg, Result<true, BfdFailure>>(
      this.ref(),
      (replyTo) => ({ t: "add", spec, replyTo }),
      this.askTimeoutMs,
    );
    if (r.ok) this.desired.set(spec.peer, spec);
    return r;
  }

  /** Add a peer over the API (mgd `PUT /bfd/peers`); persisted before this resolves. */
  async add(input: PeerInput): Promise<PeerSpec> {
    const parsed = parsePeerSpec(input, "api");
    if (!parsed.ok) throw toBfdError(parsed.error);
    const spec = parsed.value;
    const r = await this.addSpec(spec);
    if (!r.ok) throw toBfdError(r.error);
    try {
      await this.o.store?.put(spec.peer, storedPeer(spec));
    } catch (e: unknown) {
      this.forget(spec.peer);
      throw new BfdError("BFD_E_PERSIST", `peer ${spec.peer} could not be persisted: ${String(e)}`);
    }
    return spec;
  }

  private forget(peer: string): void {
    this.desired.delete(peer);
    this.ref().tell({ t: "remove", peer, replyTo: null });
  }

  private key(addr: string): string {
    const c = canonicalPeerAddress(addr);
    if (c === undefined)
      throw new BfdError("BFD_E_INVALID", `${addr} is not an IP address`, { field: "addr" });
    return c.address;
  }

  /** Delete a peer (mgd `DELETE /bfd/peers/{addr}`): does not wait for the session; unknown is fine. */
  async remove(addr: string): Promise<void> {
    const peer = this.key(addr);
    if (this.desired.get(peer)?.origin === "config") {
      throw new BfdError(
        "BFD_E_CONFIG_PEER",
        `peer ${peer} is declared in the config file; remove it there`,
        {
          field: "addr",
        },
      );
    }
    this.forget(peer);
    try {
      await this.o.store?.delete(peer);
    } catch (e: unknown) {
      throw new BfdError(
        "BFD_E_PERSIST",
        `peer ${peer} was stopped but its record could not be removed: ${String(e)}`,
      );
    }
  }

  /** Every session's snapshot, sorted by peer (a fan-out; nothing is cached). */
  async list(): Promise<SessionSnapshot[]> {
    const all = await ask<SupervisorMsg, SessionSnapshot[]>(
      this.ref(),
      (replyTo) => ({ t: "list", replyTo }),
      this.askTimeoutMs * 2,
    );
    return all.sort((a, b) => (a.spec.peer < b.spec.peer ? -1 : a.spec.peer > b.spec.peer ? 1 : 0));
  }

  /** One session's snapshot; throws `BFD_E_PEER_NOT_FOUND`. */
  async get(addr: string): Promise<SessionSnapshot> {
    const peer = this.key(addr);
    const s = await ask<SupervisorMsg, SessionSnapshot | undefined>(
      this.ref(),
      (replyTo) => ({ t: "get", peer, replyTo }),
      this.askTimeoutMs * 2,
    );
    if (s === undefined) throw new BfdError("BFD_E_PEER_NOT_FOUND", `no BFD peer ${peer}`, { field: "addr" });
    return s;
  }

  /** Change timers, the passive role or admin state live (interval changes drive a Poll, §6.5). */
  async update(addr: string, change: PeerUpdate): Promise<SessionSnapshot> {
    const peer = this.key(addr);
    const cur = this.desired.get(peer);
    if (cur === undefined)
      throw new BfdError("BFD_E_PEER_NOT_FOUND", `no BFD peer ${peer}`, { field: "addr" });
    const next = parsePeerSpec(
      {
        ...cur,
        auth: null,
        requiredRxUs: change.requiredRxUs ?? cur.requiredRxUs,
        desiredTxUs: change.desiredTxUs ?? cur.desiredTxUs,
        detectMult: change.detectMult ?? cur.detectMult,
        passive: change.passive ?? cur.passive,
        adminDown: change.adminDown ?? cur.adminDown,
      },
      cur.origin,
    );
    if (!next.ok) throw toBfdError(next.error);
    const r = await ask<SupervisorMsg, Result<SessionSnapshot, BfdFailure>>(
      this.ref(),
      (replyTo) => ({ t: "update", peer, change, replyTo }),
      this.askTimeoutMs * 2,
    );
    if (!r.ok) throw toBfdError(r.error);
    const spec: PeerSpec = { ...next.value, auth: cur.auth };
    this.desired.set(peer, spec);
    if (spec.origin === "api") {
      try {
        await this.o.store?.put(peer, storedPeer(spec));
      } catch (e: unknown) {
        throw new BfdError("BFD_E_PERSIST", `peer ${peer} changed but could not be persisted: ${String(e)}`);
      }
    }
    return r.value;
  }

  /**
   * Apply the config file's peers after a reload: removed names stop, added names start, changed
   * ones are updated live when only timers, the passive role or admin state differ, else
   * re-created. Every step is attempted; the first failure is thrown at the end (the reload is
   * then counted as failed, with what could be applied in force).
   */
  async applyConfig(next: ReadonlyMap<string, PeerSpec>): Promise<void> {
    const failures: BfdError[] = [];
    const before = new Map(
      [...this.configNames].flatMap(([n, p]) => {
        const s = this.desired.get(p);
        return s === undefined ? [] : [[n, s] as const];
      }),
    );
    for (const [name, old] of before) {
      if (!next.has(name)) this.forget(old.peer);
    }
    this.configNames = new Map([...next].map(([n, s]) => [n, s.peer]));
    for (const [name, spec] of next) {
      const old = before.get(name);
      if (old !== undefined && sameSpec(old, spec)) continue;
      if (old !== undefined && old.peer === spec.peer && onlyLiveFields(old, spec)) {
        try {
          await this.update(spec.peer, liveChange(spec));
        } catch (e: unknown) {
          failures.push(e instanceof BfdError ? e : new BfdError("BFD_E_NOT_RUNNING", String(e)));
        }
        continue;
      }
      if (old !== undefined) this.forget(old.peer);
      const stored = this.desired.get(spec.peer);
      if (stored?.origin === "api") {
        this.o.logger.warn({ peer: spec.peer }, "config now declares an API-added BFD peer; the config wins");
        this.forget(spec.peer);
        await this.o.store?.delete(spec.peer).catch(() => undefined);
      }
      const r = await this.addSpec(spec);
      if (!r.ok) failures.push(toBfdError(r.error));
    }
    const first = failures[0];
    if (first !== undefined) throw first;
  }

  /**
   * Stop the supervisor (sessions and listeners first). Every session first sends AdminDown
   * (§6.8.16), so peers see a planned stop ("neighbor signaled session down") rather than a
   * detection timeout, and clients such as BGP on FRR keep their sessions
   * (anchors.md §3.9, `bfd_admin_down_no_impact`). Bounded by the ask deadline.
   */
  async stop(): Promise<void> {
    const sup = this.supervisor;
    if (sup === undefined) return;
    this.supervisor = undefined;
    const told = await ask<SupervisorMsg, number>(
      sup,
      (replyTo) => ({ t: "shutdown", replyTo }),
      this.askTimeoutMs,
    ).catch(() => -1);
    this.o.logger.info({ sessions: told }, "BFD sessions announced AdminDown before stopping");
    await this.o.actors.stopChild(SUPERVISOR_NAME).catch(() => undefined);
  }
}

const LIVE_FIELDS = ["requiredRxUs", "desiredTxUs", "detectMult", "passive", "adminDown"] as const;

function sameSpec(a: PeerSpec, b: PeerSpec): boolean {
  return JSON.stringify(storedPeer(a)) === JSON.stringify(storedPeer(b));
}

function onlyLiveFields(a: PeerSpec, b: PeerSpec): boolean {
  const strip = (s: PeerSpec) => {
    const o: Record<string, unknown> = { ...storedPeer(s) };
    for (const k of ["required_rx", "desired_tx", "detection_threshold", "passive", "admin_down"])
      delete o[k];
    return JSON.stringify(o);
  };
  return strip(a) === strip(b);
}

function liveChange(s: PeerSpec): PeerUpdate {
  const out: Record<(typeof LIVE_FIELDS)[number], number | boolean> = {
    requiredRxUs: s.requiredRxUs,
    desiredTxUs: s.desiredTxUs,
    detectMult: s.detectMult,
    passive: s.passive,
    adminDown: s.adminDown,
  };
  return out as PeerUpdate;
}

/** Check a spec as the API would, for callers holding raw input (config loader). */
export function checkPeer(input: PeerInput, origin: PeerSpec["origin"]): Result<PeerSpec, BfdFailure> {
  const r = parsePeerSpec(input, origin);
  return r.ok ? ok(r.value) : err(r.error);
}
