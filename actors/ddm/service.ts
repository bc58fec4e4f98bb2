/**
 * The DDM subsystem's runtime: builds the kernel route reconciler, the
 * router actor and one interface actor per configured interface, and offers
 * the typed query and command functions the admin API calls (style guide
 * rule 5: the API talks to actors only through these). A list request is a
 * query fanned out to the interface actors; there is no peer cache.
 */
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { err, type Result } from "../../protocols/common/result.js";
import type { Millis } from "../../protocols/common/time.js";
import type { DdmTimers, Ipv6Addr, LocalRouter, PrefixSet } from "../../protocols/ddm/index.js";
import { openNetlinkRouteTable } from "../../dataplane/kernel/netlink-table.js";
import { RouteSync } from "../../dataplane/kernel/route-sync.js";
import type { RouteTable } from "../../dataplane/kernel/routes.js";
import type { Store } from "../../dataplane/store/index.js";
import { type ActorRef, type ActorSystem, ask } from "../runtime/index.js";
import { type DdmIo, socketIo } from "./io.js";
import { interfaceSpec } from "./interface.js";
import type { InterfaceMsg, InterfaceStatus, RibView, RouterMsg } from "./messages.js";
import { createDdmMetrics, type DdmMetrics } from "./metrics.js";
import { type DdmPersistence, openPersistence } from "./persistence.js";
import { routerSpec } from "./router.js";

/** The DDM settings (the `ddm` config section, decoded). */
export interface DdmSettings {
  readonly local: LocalRouter;
  readonly interfaces: readonly string[];
  readonly timers: DdmTimers;
  readonly exchangePort: number;
  readonly exchangeBodyLimit: number;
  readonly routeMetric: number;
  /** Route through kernel nexthop objects where the kernel has them. */
  readonly nexthopObjects: boolean;
  readonly adoptWindow: Millis;
  readonly driftCheckInterval: Millis;
  readonly cleanupOnStop: boolean;
}

/** What the service is built with; `io` and `table` are injected by tests. */
export interface DdmServiceDeps {
  readonly settings: DdmSettings;
  readonly actors: ActorSystem;
  readonly store: Store;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly io?: DdmIo;
  readonly table?: RouteTable & { close?(): void };
  /** Deadline of queries to the actors. */
  readonly askTimeoutMs?: number;
}

const ROUTER = "ddm-router";
const ifActorName = (ifName: string) => `ddm-if-${ifName}`;

/** The running DDM subsystem. */
export class DdmService {
  private readonly metrics: DdmMetrics;
  private router: ActorRef<RouterMsg> | undefined;
  private readonly interfaces = new Map<string, ActorRef<InterfaceMsg>>();
  private routes: RouteSync | undefined;
  private table: (RouteTable & { close?(): void }) | undefined;
  private db: DdmPersistence | undefined;
  private settings: DdmSettings;
  private readonly askMs: number;

  constructor(private readonly deps: DdmServiceDeps) {
    this.metrics = createDdmMetrics(deps.registry, () => {
      const t = this.table;
      return t !== undefined && "nexthopObjects" in t && typeof t.nexthopObjects === "number"
        ? t.nexthopObjects
        : 0;
    });
    this.settings = deps.settings;
    this.askMs = deps.askTimeoutMs ?? 5000;
  }

  /** The settings in force. */
  get current(): DdmSettings {
    return this.settings;
  }

  /** Open the store and the kernel table, then spawn the actors. Throws when the store or kernel cannot be opened. */
  async start(): Promise<void> {
    const log = this.deps.logger.child({ component: "ddm" });
    const db = await openPersistence(this.deps.store);
    if (!db.ok) throw db.error;
    this.db = db.value;
    if (this.deps.table !== undefined) this.table = this.deps.table;
    else {
      const t = openNetlinkRouteTable({
        metric: this.settings.routeMetric,
        nexthopObjects: this.settings.nexthopObjects,
      });
      if (!t.ok) throw new Error(`DDM_E_KERNEL: cannot open the routing socket: ${JSON.stringify(t.error)}`);
      this.table = t.value;
    }
    const s = this.settings;
    this.routes = new RouteSync({
      table: this.table,
      adoptMs: s.adoptWindow,
      driftCheckMs: s.driftCheckInterval,
      cleanupOnStop: s.cleanupOnStop,
      onEvent: (e) => {
        switch (e.kind) {
          case "write-failed":
            this.metrics.kernelWriteFailures.inc({});
            log.warn({ route: e.key, error: e.error }, "kernel route write failed");
            return;
          case "drift-repaired":
            this.metrics.kernelDriftRepairs.inc({ op: "replace" }, e.replaced);
            this.metrics.kernelDriftRepairs.inc({ op: "remove" }, e.removed);
            log.info({ replaced: e.replaced, removed: e.removed }, "kernel routes repaired");
            return;
          case "dump-failed":
            log.warn({ error: e.error }, "kernel route dump failed");
            return;
          case "written":
            if (e.written + e.failed > 0) this.metrics.kernelLastWrite.set({}, Date.now() / 1000);
            this.metrics.kernelWrites.inc({ result: "written" }, e.written);
            if (e.failed > 0) this.metrics.kernelWrites.inc({ result: "failed" }, e.failed);
            if (e.skipped > 0) this.metrics.kernelWrites.inc({ result: "skipped" }, e.skipped);
            return;
          case "adopted":
            log.info(
              { routes: e.routes, windowMs: s.adoptWindow },
              "kept our routes from before the restart",
            );
            return;
        }
      },
    });
    await this.routes.start();
    this.router = this.deps.actors.spawn(
      routerSpec({ local: s.local, routes: this.routes, db: this.db, metrics: this.metrics }),
      ROUTER,
    );
    for (const ifName of s.interfaces) this.spawnInterface(ifName);
    this.rewire();
    log.info({ hostname: s.local.hostname, kind: s.local.kind, interfaces: s.interfaces }, "DDM started");
  }

  /** Stop the actors, then the route reconciler (which cleans up if configured). */
  async stop(): Promise<void> {
    for (const name of [...this.interfaces.keys()]) await this.deps.actors.stopChild(ifActorName(name));
    this.interfaces.clear();
    if (this.router !== undefined) await this.deps.actors.stopChild(ROUTER);
    await this.routes?.stop();
    this.table?.close?.();
  }

  /**
   * Apply new settings: interfaces added or removed get their actors started
   * or stopped; a change to identity or timers restarts every interface
   * actor (their machines are built with them). Kernel settings take effect
   * at the next restart.
   */
  async apply(next: DdmSettings): Promise<void> {
    const prev = this.settings;
    this.settings = next;
    if (this.router === undefined) return;
    const same =
      JSON.stringify([prev.local, prev.timers, prev.exchangePort, prev.exchangeBodyLimit]) ===
      JSON.stringify([next.local, next.timers, next.exchangePort, next.exchangeBodyLimit]);
    const keep = new Set(same ? next.interfaces.filter((i) => prev.interfaces.includes(i)) : []);
    for (const name of [...this.interfaces.keys()]) {
      if (keep.has(name)) continue;
      await this.deps.actors.stopChild(ifActorName(name));
      this.interfaces.delete(name);
    }
    for (const name of next.interfaces) if (!this.interfaces.has(name)) this.spawnInterface(name);
    this.rewire();
    if (!same)
      this.deps.logger.warn("ddm identity changed; the router's hostname and kind apply after a restart");
  }

  /** Every interface's status, in configuration order. */
  async interfaceStatus(): Promise<InterfaceStatus[]> {
    return Promise.all(
      [...this.interfaces.values()].map((ref) =>
        ask<InterfaceMsg, InterfaceStatus>(ref, (replyTo) => ({ t: "status", replyTo }), this.askMs),
      ),
    );
  }

  /** The RIB's imported and originated sets. */
  view(): Promise<RibView> {
    return ask<RouterMsg, RibView>(this.need(), (replyTo) => ({ t: "view", replyTo }), this.askMs);
  }

  /** Originate (persist, then announce). */
  announce(set: PrefixSet): Promise<Result<void, string>> {
    return this.originate("announce", set);
  }

  /** Stop originating (remove from the store, then withdraw). */
  withdraw(set: PrefixSet): Promise<Result<void, string>> {
    return this.originate("withdraw", set);
  }

  /** Ask every interface to expire `addr` if it is its peer (ddm-admin `DELETE /peers/{addr}`). */
  expirePeer(addr: Ipv6Addr): void {
    for (const ref of this.interfaces.values())
      ref.tell({ t: "event", event: { kind: "adminExpire", addr } });
  }

  /** Every interface in Exchange pulls from its peer and reconciles (ddm-admin `PUT /sync`). */
  sync(): void {
    for (const ref of this.interfaces.values()) ref.tell({ t: "event", event: { kind: "adminSync" } });
  }

  /** Run the kernel drift check now; resolves to the number of routes repaired (-1: dump failed). */
  resyncKernel(): Promise<number> {
    return ask<RouterMsg, number>(this.need(), (replyTo) => ({ t: "resync", replyTo }), this.askMs * 4);
  }

  private async originate(t: "announce" | "withdraw", set: PrefixSet): Promise<Result<void, string>> {
    try {
      return await ask<RouterMsg, Result<void, string>>(
        this.need(),
        (replyTo) => ({ t, set, replyTo }),
        this.askMs,
      );
    } catch (e: unknown) {
      return err(e instanceof Error ? e.message : String(e));
    }
  }

  private need(): ActorRef<RouterMsg> {
    if (this.router === undefined) throw new Error("DDM is not running");
    return this.router;
  }

  private spawnInterface(ifName: string): void {
    const s = this.settings;
    const io = this.deps.io ?? socketIo({ exchangePort: s.exchangePort, bodyLimit: s.exchangeBodyLimit });
    const ref = this.deps.actors.spawn(
      interfaceSpec({
        ifName,
        config: { local: s.local, timers: s.timers },
        io,
        router: this.need(),
        metrics: this.metrics,
      }),
      ifActorName(ifName),
    );
    this.interfaces.set(ifName, ref);
  }

  private rewire(): void {
    this.need().tell({ t: "wire", interfaces: new Map(this.interfaces) });
  }
}
