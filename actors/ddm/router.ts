/**
 * The DDM router actor: the single owner of the RIB (`DdmRib`), of the
 * originated sets (and their persistence) and of the kernel routes
 * (`RouteSync`). Interface actors send it what they learn (pushes, pull
 * answers, expiries); it programs the FIB changes and hands transit
 * redistribution to every *other* interface actor as a `peerPush` event
 * (spec ddm-bfd-maghemite.md §1.2 fan-out, §1.3 handling, §1.8).
 */
import { err, ok } from "../../protocols/common/result.js";
import { assertNever } from "../../protocols/common/assert-never.js";
import {
  DdmRib,
  type DdmEvent,
  type FibChange,
  formatNet,
  ipv6NetworkAddr,
  type LocalRouter,
  type Nexthop,
  type PrefixSet,
  type RibOutcome,
} from "../../protocols/ddm/index.js";
import { RT_TABLE_MAIN } from "../../dataplane/kernel/constants.js";
import { nexthopSetsOf } from "../../dataplane/kernel/routes.js";
import type { RouteSync } from "../../dataplane/kernel/route-sync.js";
import type { StoreOp } from "../../dataplane/store/index.js";
import type { ActorContext, ActorRef, ActorSpec } from "../runtime/index.js";
import type { InterfaceMsg, RouterMsg } from "./messages.js";
import type { DdmMetrics } from "./metrics.js";
import {
  type DdmPersistence,
  loadOriginated,
  prefixKey,
  type StoredPrefix,
  type StoredTunnel,
  toStored,
  tunnelStoreKey,
} from "./persistence.js";

/** What the router is built with. */
export interface RouterDeps {
  readonly local: LocalRouter;
  readonly routes: RouteSync;
  readonly db: DdmPersistence;
  readonly metrics: DdmMetrics;
}

interface RouterState {
  readonly rib: DdmRib;
  interfaces: ReadonlyMap<string, ActorRef<InterfaceMsg>>;
  readonly ifIndex: Map<string, number>;
  /** Imported path vectors and tunnel routes per interface (gauges, `GET /ddm/interfaces`). */
  readonly imported: Map<string, { prefixes: number; tunnels: number }>;
}

const nexthopKey = (n: Nexthop): string => `${n.addr}%${n.ifName}`;

function tellAll(s: RouterState, event: DdmEvent, except?: string): void {
  for (const [name, ref] of s.interfaces) if (name !== except) ref.tell({ t: "event", event });
}

/** The router actor's spec. */
export function routerSpec(deps: RouterDeps): ActorSpec<RouterMsg, RouterState> {
  const { local, routes, db, metrics } = deps;

  const countImports = (s: RouterState, o: RibOutcome, ifName: string): void => {
    const cur = s.imported.get(ifName) ?? { prefixes: 0, tunnels: 0 };
    cur.prefixes += o.added.length - o.removed.length;
    // Recounted (not derived from the update) so the tunnel gauge is exact;
    // ddmd writes the tunnel count into the underlay gauge (spec §1.2, a bug).
    cur.tunnels = s.rib.tunnelRoutes().filter((t) => t.nexthop.ifName === ifName).length;
    s.imported.set(ifName, cur);
    metrics.imported.set({ interface: ifName }, cur.prefixes);
    metrics.importedTunnels.set({ interface: ifName }, cur.tunnels);
    s.interfaces.get(ifName)?.tell({ t: "imported", prefixes: cur.prefixes, tunnels: cur.tunnels });
  };

  /**
   * Hand FIB changes to the kernel route sync: each destination's set of
   * nexthops on interfaces with a known index, or no route when none is
   * left (spec §1.8). The kernel wants the network address; DDM keeps host
   * bits as announced. The RIB's destination text is canonical.
   */
  const program = (s: RouterState, changes: readonly FibChange[]): void => {
    const setOf = nexthopSetsOf((n) => s.ifIndex.get(n));
    for (const c of changes) {
      const d = c.destination;
      const set = setOf(c.nexthops);
      routes.setRoute(6, ipv6NetworkAddr(d), d.len, RT_TABLE_MAIN, set.length === 0 ? null : set, true);
    }
  };

  const apply = (s: RouterState, o: RibOutcome, from: Nexthop, ctx: ActorContext<RouterMsg>): void => {
    program(s, o.fib);
    if (o.loops.length > 0)
      ctx.log.debug(
        { from: nexthopKey(from), loops: o.loops.length },
        "dropped path vectors holding our hostname",
      );
    // The tunnel dataplane (OPTE's virtual-to-boundary table in ddmd) has no Linux
    // counterpart; the effective set is kept in the RIB and logged (spec §1.8).
    if (o.tunnelAdd.length + o.tunnelRemove.length > 0)
      ctx.log.info(
        { add: o.tunnelAdd.length, remove: o.tunnelRemove.length },
        "tunnel effective set changed",
      );
    countImports(s, o, from.ifName);
    if (o.redistribute !== null) tellAll(s, { kind: "peerPush", update: o.redistribute }, from.ifName);
  };

  const originate = async (s: RouterState, set: PrefixSet, withdraw: boolean): Promise<void> => {
    switch (set.kind) {
      case "underlay": {
        const ops: StoreOp<StoredPrefix>[] = set.prefixes.map((p) =>
          withdraw
            ? { kind: "delete", key: prefixKey(p) }
            : { kind: "put", key: prefixKey(p), value: { prefix: formatNet(p) } },
        );
        // Persist first, then announce (spec §1.4 PUT /prefix): a crash in between re-announces.
        await db.prefixes.apply(ops.filter((o) => o.kind === "put" || db.prefixes.get(o.key) !== undefined));
        if (withdraw) s.rib.withdrawOriginated(set.prefixes);
        else s.rib.originate(set.prefixes);
        metrics.originated.set({}, s.rib.originatedPrefixes().length);
        return;
      }
      case "tunnel": {
        const ops: StoreOp<StoredTunnel>[] = set.origins.map((t) =>
          withdraw
            ? { kind: "delete", key: tunnelStoreKey(t) }
            : { kind: "put", key: tunnelStoreKey(t), value: toStored(t) },
        );
        await db.tunnels.apply(ops.filter((o) => o.kind === "put" || db.tunnels.get(o.key) !== undefined));
        if (withdraw) s.rib.withdrawOriginatedTunnels(set.origins);
        else s.rib.originateTunnels(set.origins);
        metrics.originatedTunnels.set({}, s.rib.originatedTunnelEndpoints().length);
        return;
      }
      default:
        assertNever(set, "prefix set");
    }
  };

  return {
    kind: "ddm-router",
    mailbox: { capacity: 65536, overflow: "drop-newest" },
    init() {
      const rib = new DdmRib(local);
      const stored = loadOriginated(db);
      rib.originate(stored.prefixes);
      rib.originateTunnels(stored.tunnels);
      metrics.originated.set({}, rib.originatedPrefixes().length);
      metrics.originatedTunnels.set({}, rib.originatedTunnelEndpoints().length);
      return { rib, interfaces: new Map(), ifIndex: new Map(), imported: new Map() };
    },
    async receive(s, m, ctx) {
      switch (m.t) {
        case "wire":
          s.interfaces = m.interfaces;
          return s;
        case "link": {
          if (m.ifIndex === null) s.ifIndex.delete(m.ifName);
          else s.ifIndex.set(m.ifName, m.ifIndex);
          // Re-derive the routes through this interface with the new index.
          program(
            s,
            s.rib.fib().filter((c) => c.nexthops.some((n) => n.ifName === m.ifName)),
          );
          return s;
        }
        case "update":
          apply(s, s.rib.applyUpdate(m.from, m.update), m.from, ctx);
          return s;
        case "sync":
          apply(s, s.rib.sync(m.from, m.response), m.from, ctx);
          return s;
        case "expire":
          apply(s, s.rib.expireNexthop(m.from), m.from, ctx);
          return s;
        case "pullFor":
          m.replyTo.tell(s.rib.pullResponseFor(m.peer));
          return s;
        case "announce":
        case "withdraw": {
          const withdraw = m.t === "withdraw";
          try {
            await originate(s, m.set, withdraw);
          } catch (e: unknown) {
            m.replyTo.tell(err(e instanceof Error ? e.message : String(e)));
            return s;
          }
          tellAll(
            s,
            withdraw ? { kind: "adminWithdraw", set: m.set } : { kind: "adminAnnounce", set: m.set },
          );
          m.replyTo.tell(ok(undefined));
          return s;
        }
        case "view":
          m.replyTo.tell({
            routes: s.rib.routes(),
            tunnels: s.rib.tunnelRoutes(),
            originated: s.rib.originatedPrefixes().map(formatNet),
            originatedTunnels: s.rib.originatedTunnelEndpoints(),
          });
          return s;
        case "resync": {
          const d = await routes.checkDrift();
          m.replyTo.tell(d === null ? -1 : d.replace.length + d.remove.length);
          return s;
        }
        default:
          return assertNever(m, "router message");
      }
    },
  };
}
