/**
 * DDM's routing information base (spec ddm-bfd-maghemite.md §1.3 handling,
 * §1.2 expire_peer, §1.8 dataplane rule). One instance per router, owned by a
 * single actor; methods are synchronous and return what changed as values for
 * the shell to program (FIB, tunnel sink) and fan out (redistribution).
 *
 * - Imported underlay routes are keyed by (destination, nexthop, interface,
 *   path): the same destination via the same nexthop over two paths is two
 *   routes, and a withdraw removes only the route with the same path.
 * - The FIB view is the ECMP nexthop set per destination. A (destination,
 *   nexthop) leaves the FIB only when no path through it is left (PR #66). A
 *   nexthop is (link-local address, interface): link-local addresses repeat
 *   across links.
 * - Tunnel routes program their effective set (`tunnel.ts`).
 * - A transit redistributes, with its hostname appended, the announcements
 *   that added a route, and every withdrawal it accepted. An announcement of
 *   a route it holds already (a peer's pull answer and its push of the same
 *   table, a re-announcement after a restart) changes nothing here and was
 *   sent on when first learned, so it is not sent again: forwarding those
 *   multiplied a restarted transit's pushes ~2.5× (bench/ddm) without
 *   informing anyone of anything.
 * - Loop detection (our addition, spec Part 5 item 5): an announcement whose
 *   path already holds our hostname is dropped and reported in `loops`.
 * - `sync` reconciles: routes from the peer that its pull no longer lists are
 *   withdrawn (ddmd's sync only adds).
 */
import type { Ipv6Addr, Ipv6Net } from "./ip.js";
import { formatNet } from "./ip.js";
import { effectiveSet, tunnelKey } from "./tunnel.js";
import type {
  AnnounceWithdraw,
  LocalRouter,
  PathVector,
  PullResponse,
  TunnelOrigin,
  Update,
} from "./types.js";

/** A neighbour as a nexthop: its link-local address on one interface. */
export interface Nexthop {
  readonly addr: Ipv6Addr;
  readonly ifName: string;
}

/** An imported underlay route. */
export interface Route {
  readonly destination: Ipv6Net;
  readonly nexthop: Nexthop;
  readonly path: readonly string[];
}

/** An imported tunnel route. */
export interface TunnelRoute {
  readonly origin: TunnelOrigin;
  readonly nexthop: Nexthop;
}

/** The FIB entry a destination must now have; no nexthops means delete it. */
export interface FibChange {
  readonly destination: Ipv6Net;
  readonly nexthops: readonly Nexthop[];
}

/** What one RIB operation changed. */
export interface RibOutcome {
  /** Routes that were not present before. */
  readonly added: readonly Route[];
  /** Routes that were present and are gone. */
  readonly removed: readonly Route[];
  /** Announcements dropped because our hostname is already on the path. */
  readonly loops: readonly PathVector[];
  /** Destinations whose ECMP set changed, with the new set. */
  readonly fib: readonly FibChange[];
  /** Changes to the tunnel effective set (metric zeroed). */
  readonly tunnelAdd: readonly TunnelOrigin[];
  readonly tunnelRemove: readonly TunnelOrigin[];
  /** For a transit: the update to push to every other interface; null when nothing to say. */
  readonly redistribute: Update | null;
}

const nhKey = (n: Nexthop): string => `${n.addr}%${n.ifName}`;
/**
 * A path's identity among the routes of one (destination, nexthop). JSON text
 * is unambiguous; a one-hop path is its hostname unless that could be taken
 * for JSON text (starts with `[`, as every JSON array does).
 */
const pathKey = (path: readonly string[]): string => {
  const first = path[0];
  return path.length === 1 && first !== undefined && first.charCodeAt(0) !== 0x5b
    ? first
    : JSON.stringify(path);
};
const sameNexthop = (a: Nexthop, b: Nexthop): boolean => a.addr === b.addr && a.ifName === b.ifName;

/** The routes of one destination through one nexthop, by path. */
interface Via {
  readonly nexthop: Nexthop;
  readonly routes: Map<string, Route>;
}
/** One destination: its nexthops (the ECMP set is the keys of `via`). */
interface Dest {
  readonly destination: Ipv6Net;
  readonly via: Map<string, Via>;
}

/** The ECMP set of `d` as one comparable string (sorted nexthop keys). */
function viaKeys(d: Dest | undefined): string {
  if (d === undefined || d.via.size === 0) return "";
  if (d.via.size === 1) return d.via.keys().next().value ?? "";
  return [...d.via.keys()].sort().join(",");
}

/** Insert the items of `xs` missing from `m`; return them. */
function addNew<T>(m: Map<string, T>, xs: readonly T[], key: (x: T) => string): T[] {
  const fresh: T[] = [];
  for (const x of xs) {
    const k = key(x);
    if (m.has(k)) continue;
    m.set(k, x);
    fresh.push(x);
  }
  return fresh;
}

/** What the underlay part of one operation did. */
interface UnderlayOutcome {
  readonly added: Route[];
  readonly removed: Route[];
  readonly loops: PathVector[];
  /** Announcements that added a route (what a transit sends on). */
  readonly accepted: PathVector[];
  readonly withdrawn: PathVector[];
  readonly fib: FibChange[];
}

/**
 * The DDM RIB for one router.
 *
 * Imported routes live in one nested map, destination → nexthop → path, so
 * an update of 30,000 routes builds one short key per level instead of a
 * composite key per route, a sync finds the peer's routes without a set of
 * keys of everything it listed, and a FIB change is judged only for
 * destinations whose nexthop set gained or lost a member (bench/ddm/core.ts).
 */
export class DdmRib {
  /** destination key (`formatNet`) → its nexthops → their routes by path. */
  private readonly dests = new Map<string, Dest>();
  private readonly tunnels = new Map<string, TunnelRoute>();
  private readonly originated = new Map<string, Ipv6Net>();
  private readonly originatedTunnels = new Map<string, TunnelOrigin>();

  constructor(readonly local: LocalRouter) {}

  /** Handle a push from `from` (or an announce-only pull result, ddmd's behaviour). */
  applyUpdate(from: Nexthop, u: Update): RibOutcome {
    const o = this.underlay(from, u.underlay?.announce ?? [], u.underlay?.withdraw ?? [], false);
    return this.finish(from, o, u.tunnel?.announce ?? [], u.tunnel?.withdraw ?? [], u.tunnel);
  }

  /**
   * Reconcile with a full pull answer from `from`: everything it lists is
   * announced, every route or tunnel from `from` it no longer lists is withdrawn.
   */
  sync(from: Nexthop, p: PullResponse): RibOutcome {
    const o = this.underlay(from, p.underlay, [], true);
    const listedTunnels = new Set(p.tunnel.map(tunnelKey));
    const staleTunnels = [...this.tunnels.values()]
      .filter((t) => sameNexthop(t.nexthop, from) && !listedTunnels.has(tunnelKey(t.origin)))
      .map((t) => t.origin);
    return this.finish(from, o, p.tunnel, staleTunnels, { announce: p.tunnel, withdraw: staleTunnels });
  }

  /** Drop everything learned from `from` (peer expiry, spec §1.2 `expire_peer` steps 3–5). */
  expireNexthop(from: Nexthop): RibOutcome {
    return this.sync(from, { underlay: [], tunnel: [] });
  }

  /**
   * Announce, then withdraw, the path vectors from `from`. With `sweep`,
   * every route from `from` that `announce` does not list is withdrawn too
   * (a sync), after the announcements.
   */
  private underlay(
    from: Nexthop,
    announce: readonly PathVector[],
    withdraw: readonly PathVector[],
    sweep: boolean,
  ): UnderlayOutcome {
    const host = this.local.hostname;
    const fk = nhKey(from);
    const out: UnderlayOutcome = { added: [], removed: [], loops: [], accepted: [], withdrawn: [], fib: [] };
    /** Destinations whose nexthop set changed membership, with the set before. */
    const before = new Map<string, { readonly was: string; readonly destination: Ipv6Net }>();
    const listed = sweep ? new Set<Route>() : null;
    for (const pv of announce) {
      if (pv.path.includes(host)) {
        out.loops.push(pv);
        continue;
      }
      const dk = formatNet(pv.destination);
      const pk = pathKey(pv.path);
      let d = this.dests.get(dk);
      let via = d?.via.get(fk);
      const have = via?.routes.get(pk);
      if (have !== undefined) {
        listed?.add(have);
        continue;
      }
      out.accepted.push(pv);
      if (d === undefined) {
        d = { destination: pv.destination, via: new Map() };
        this.dests.set(dk, d);
      }
      if (via === undefined) {
        if (!before.has(dk)) before.set(dk, { was: viaKeys(d), destination: d.destination });
        via = { nexthop: from, routes: new Map() };
        d.via.set(fk, via);
      }
      const r: Route = { destination: pv.destination, nexthop: from, path: pv.path };
      via.routes.set(pk, r);
      listed?.add(r);
      out.added.push(r);
    }
    let gone: readonly PathVector[] = withdraw;
    if (listed !== null) {
      const stale: PathVector[] = [];
      for (const d of this.dests.values()) {
        const via = d.via.get(fk);
        if (via === undefined) continue;
        for (const r of via.routes.values())
          if (!listed.has(r)) stale.push({ destination: r.destination, path: r.path });
      }
      gone = withdraw.length === 0 ? stale : [...withdraw, ...stale];
    }
    for (const pv of gone) {
      if (pv.path.includes(host)) continue; // never imported, nothing to withdraw or forward
      out.withdrawn.push(pv);
      const dk = formatNet(pv.destination);
      const d = this.dests.get(dk);
      const via = d?.via.get(fk);
      if (d === undefined || via === undefined) continue;
      const pk = pathKey(pv.path);
      const r = via.routes.get(pk);
      if (r === undefined) continue;
      via.routes.delete(pk);
      out.removed.push(r);
      if (via.routes.size > 0) continue;
      if (!before.has(dk)) before.set(dk, { was: viaKeys(d), destination: d.destination });
      d.via.delete(fk);
      if (d.via.size === 0) this.dests.delete(dk);
    }
    for (const [dk, b] of before) {
      const d = this.dests.get(dk);
      if (viaKeys(d) === b.was) continue;
      out.fib.push({ destination: b.destination, nexthops: d === undefined ? [] : sortedNexthops(d) });
    }
    return out;
  }

  private finish(
    from: Nexthop,
    o: UnderlayOutcome,
    tunnelAnnounce: readonly TunnelOrigin[],
    tunnelWithdraw: readonly TunnelOrigin[],
    tunnel: AnnounceWithdraw<TunnelOrigin> | null,
  ): RibOutcome {
    const fk = nhKey(from);
    const effBefore = effectiveSet(this.tunnelOrigins());
    for (const t of tunnelAnnounce) this.tunnels.set(`${tunnelKey(t)}|${fk}`, { origin: t, nexthop: from });
    for (const t of tunnelWithdraw) this.tunnels.delete(`${tunnelKey(t)}|${fk}`);
    const effAfter = effectiveSet(this.tunnelOrigins());
    const tunnelAdd = [...effAfter].filter(([k]) => !effBefore.has(k)).map(([, t]) => t);
    const tunnelRemove = [...effBefore].filter(([k]) => !effAfter.has(k)).map(([, t]) => t);
    return {
      added: o.added,
      removed: o.removed,
      loops: o.loops,
      fib: o.fib,
      tunnelAdd,
      tunnelRemove,
      redistribute: this.redistribution(o.accepted, o.withdrawn, tunnel),
    };
  }

  /**
   * What we answer `peer`'s pull with (spec §1.3 pull handler): a transit adds
   * every imported route not learned from `peer` (split horizon) with its
   * hostname appended, and imported tunnels likewise; everyone adds what it
   * originates with the path [hostname]. A (destination, path) is listed once.
   */
  pullResponseFor(peer: Nexthop): PullResponse {
    const host = this.local.hostname;
    const underlay: PathVector[] = [];
    const tunnel = new Map<string, TunnelOrigin>();
    if (this.local.kind === "transit") {
      const pk = nhKey(peer);
      for (const [dk, d] of this.dests) {
        // Paths already listed for this destination; needed only when two nexthops could repeat one.
        const seen = d.via.size > 1 ? new Set<string>() : null;
        for (const [k, via] of d.via) {
          if (k === pk) continue;
          for (const [rk, r] of via.routes) {
            if (seen !== null) {
              if (seen.has(rk)) continue;
              seen.add(rk);
            }
            // An empty imported path becomes [host], which our own origination lists below.
            if (r.path.length === 0 && this.originated.has(dk)) continue;
            underlay.push({ destination: r.destination, path: [...r.path, host] });
          }
        }
      }
      for (const t of this.tunnels.values())
        if (!sameNexthop(t.nexthop, peer)) tunnel.set(tunnelKey(t.origin), t.origin);
    }
    for (const n of this.originated.values()) underlay.push({ destination: n, path: [host] });
    for (const [k, t] of this.originatedTunnels) tunnel.set(k, t);
    return { underlay, tunnel: [...tunnel.values()] };
  }

  /** Start originating `prefixes`; returns those that were not originated yet. */
  originate(prefixes: readonly Ipv6Net[]): Ipv6Net[] {
    return addNew(this.originated, prefixes, formatNet);
  }

  /** Stop originating `prefixes`; returns those that were originated. */
  withdrawOriginated(prefixes: readonly Ipv6Net[]): Ipv6Net[] {
    return prefixes.filter((p) => this.originated.delete(formatNet(p)));
  }

  /** Start originating tunnel endpoints; returns the new ones. */
  originateTunnels(origins: readonly TunnelOrigin[]): TunnelOrigin[] {
    return addNew(this.originatedTunnels, origins, tunnelKey);
  }

  /** Stop originating tunnel endpoints (exact match, metric included); returns those removed. */
  withdrawOriginatedTunnels(origins: readonly TunnelOrigin[]): TunnelOrigin[] {
    return origins.filter((o) => this.originatedTunnels.delete(tunnelKey(o)));
  }

  /** Every imported underlay route. */
  routes(): Route[] {
    const out: Route[] = [];
    for (const d of this.dests.values()) for (const via of d.via.values()) out.push(...via.routes.values());
    return out;
  }

  /** The ECMP nexthop set of `destination`, sorted for stable output. */
  nexthops(destination: Ipv6Net): Nexthop[] {
    const d = this.dests.get(formatNet(destination));
    return d === undefined ? [] : sortedNexthops(d);
  }

  /** The whole FIB view: every destination with at least one nexthop (for a full resync). */
  fib(): FibChange[] {
    return [...this.dests.values()].map((d) => ({ destination: d.destination, nexthops: sortedNexthops(d) }));
  }

  /** Every imported tunnel route (raw, as `GET /tunnel_endpoints` shows them). */
  tunnelRoutes(): TunnelRoute[] {
    return [...this.tunnels.values()];
  }

  /** The tunnel effective set as programmed. */
  effectiveTunnels(): TunnelOrigin[] {
    return [...effectiveSet(this.tunnelOrigins()).values()];
  }

  /** Originated prefixes. */
  originatedPrefixes(): Ipv6Net[] {
    return [...this.originated.values()];
  }

  /** Originated tunnel endpoints. */
  originatedTunnelEndpoints(): TunnelOrigin[] {
    return [...this.originatedTunnels.values()];
  }

  private tunnelOrigins(): TunnelOrigin[] {
    return [...this.tunnels.values()].map((t) => t.origin);
  }

  private redistribution(
    accepted: readonly PathVector[],
    withdrawn: readonly PathVector[],
    t: AnnounceWithdraw<TunnelOrigin> | null,
  ): Update | null {
    if (this.local.kind !== "transit") return null;
    const append = (pv: PathVector): PathVector => ({
      destination: pv.destination,
      path: [...pv.path, this.local.hostname],
    });
    const underlay =
      accepted.length + withdrawn.length > 0
        ? { announce: accepted.map(append), withdraw: withdrawn.map(append) }
        : null;
    const tunnel = t !== null && t.announce.length + t.withdraw.length > 0 ? t : null;
    return underlay === null && tunnel === null ? null : { underlay, tunnel };
  }
}

/** A destination's nexthops, sorted by key for stable output. */
function sortedNexthops(d: Dest): Nexthop[] {
  if (d.via.size === 1) return [...d.via.values()].map((v) => v.nexthop);
  return [...d.via.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v.nexthop);
}
