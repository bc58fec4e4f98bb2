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
 * - A transit redistributes what it accepted with its hostname appended.
 * - Loop detection (our addition, spec Part 5 item 5): an announcement whose
 *   path already holds our hostname is dropped and reported in `loops`.
 * - `sync` reconciles: routes from the peer that its pull no longer lists are
 *   withdrawn (ddmd's sync only adds).
 */
import type { Ipv6Addr, Ipv6Net } from "./ip.js";
import { formatNet } from "./ip.js";
import { effectiveSet, tunnelKey } from "./tunnel.js";
import type { LocalRouter, PathVector, PullResponse, TunnelOrigin, Update } from "./types.js";

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
const routeKey = (destination: Ipv6Net, nexthop: Nexthop, path: readonly string[]): string =>
  `${formatNet(destination)}|${nhKey(nexthop)}|${JSON.stringify(path)}`;
const sameNexthop = (a: Nexthop, b: Nexthop): boolean => a.addr === b.addr && a.ifName === b.ifName;

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

/** The DDM RIB for one router. */
export class DdmRib {
  private readonly routesByKey = new Map<string, Route>();
  /** destination key → its prefix and, per nexthop key, the number of routes (paths) through it. */
  private readonly ecmp = new Map<
    string,
    { destination: Ipv6Net; via: Map<string, { nexthop: Nexthop; paths: number }> }
  >();
  private readonly tunnels = new Map<string, TunnelRoute>();
  private readonly originated = new Map<string, Ipv6Net>();
  private readonly originatedTunnels = new Map<string, TunnelOrigin>();

  constructor(readonly local: LocalRouter) {}

  /** Handle a push from `from` (or an announce-only pull result, ddmd's behaviour). */
  applyUpdate(from: Nexthop, u: Update): RibOutcome {
    const added: Route[] = [];
    const removed: Route[] = [];
    const loops: PathVector[] = [];
    const before = new Map<string, { destination: Ipv6Net; nexthops: string }>();
    const touch = (d: Ipv6Net) => {
      const k = formatNet(d);
      if (!before.has(k)) before.set(k, { destination: d, nexthops: this.nexthopKeys(k) });
    };
    const accepted: PathVector[] = [];
    for (const pv of u.underlay?.announce ?? []) {
      if (pv.path.includes(this.local.hostname)) {
        loops.push(pv);
        continue;
      }
      accepted.push(pv);
      const k = routeKey(pv.destination, from, pv.path);
      if (this.routesByKey.has(k)) continue;
      touch(pv.destination);
      const r: Route = { destination: pv.destination, nexthop: from, path: pv.path };
      this.routesByKey.set(k, r);
      this.bump(r, +1);
      added.push(r);
    }
    const withdrawn: PathVector[] = [];
    for (const pv of u.underlay?.withdraw ?? []) {
      if (pv.path.includes(this.local.hostname)) continue; // never imported, nothing to withdraw or forward
      withdrawn.push(pv);
      const k = routeKey(pv.destination, from, pv.path);
      const r = this.routesByKey.get(k);
      if (r === undefined) continue;
      touch(pv.destination);
      this.routesByKey.delete(k);
      this.bump(r, -1);
      removed.push(r);
    }
    const fib: FibChange[] = [];
    for (const [k, b] of before) {
      if (this.nexthopKeys(k) !== b.nexthops)
        fib.push({ destination: b.destination, nexthops: this.nexthops(b.destination) });
    }

    const effBefore = effectiveSet(this.tunnelOrigins());
    for (const o of u.tunnel?.announce ?? [])
      this.tunnels.set(`${tunnelKey(o)}|${nhKey(from)}`, { origin: o, nexthop: from });
    for (const o of u.tunnel?.withdraw ?? []) this.tunnels.delete(`${tunnelKey(o)}|${nhKey(from)}`);
    const effAfter = effectiveSet(this.tunnelOrigins());
    const tunnelAdd = [...effAfter].filter(([k]) => !effBefore.has(k)).map(([, o]) => o);
    const tunnelRemove = [...effBefore].filter(([k]) => !effAfter.has(k)).map(([, o]) => o);

    return {
      added,
      removed,
      loops,
      fib,
      tunnelAdd,
      tunnelRemove,
      redistribute: this.redistribution(accepted, withdrawn, u),
    };
  }

  /**
   * Reconcile with a full pull answer from `from`: everything it lists is
   * announced, every route or tunnel from `from` it no longer lists is withdrawn.
   */
  sync(from: Nexthop, p: PullResponse): RibOutcome {
    const listed = new Set(p.underlay.map((pv) => routeKey(pv.destination, from, pv.path)));
    const staleRoutes = this.routes()
      .filter((r) => sameNexthop(r.nexthop, from) && !listed.has(routeKey(r.destination, from, r.path)))
      .map((r) => ({ destination: r.destination, path: r.path }));
    const listedTunnels = new Set(p.tunnel.map(tunnelKey));
    const staleTunnels = [...this.tunnels.values()]
      .filter((t) => sameNexthop(t.nexthop, from) && !listedTunnels.has(tunnelKey(t.origin)))
      .map((t) => t.origin);
    return this.applyUpdate(from, {
      underlay: { announce: p.underlay, withdraw: staleRoutes },
      tunnel: { announce: p.tunnel, withdraw: staleTunnels },
    });
  }

  /** Drop everything learned from `from` (peer expiry, spec §1.2 `expire_peer` steps 3–5). */
  expireNexthop(from: Nexthop): RibOutcome {
    return this.sync(from, { underlay: [], tunnel: [] });
  }

  /**
   * What we answer `peer`'s pull with (spec §1.3 pull handler): a transit adds
   * every imported route not learned from `peer` (split horizon) with its
   * hostname appended, and imported tunnels likewise; everyone adds what it
   * originates with the path [hostname].
   */
  pullResponseFor(peer: Nexthop): PullResponse {
    const underlay = new Map<string, PathVector>();
    const tunnel = new Map<string, TunnelOrigin>();
    if (this.local.kind === "transit") {
      for (const r of this.routesByKey.values()) {
        if (sameNexthop(r.nexthop, peer)) continue;
        const pv = { destination: r.destination, path: [...r.path, this.local.hostname] };
        underlay.set(`${formatNet(pv.destination)}|${JSON.stringify(pv.path)}`, pv);
      }
      for (const t of this.tunnels.values())
        if (!sameNexthop(t.nexthop, peer)) tunnel.set(tunnelKey(t.origin), t.origin);
    }
    for (const n of this.originated.values()) {
      const pv = { destination: n, path: [this.local.hostname] };
      underlay.set(`${formatNet(n)}|${JSON.stringify(pv.path)}`, pv);
    }
    for (const [k, t] of this.originatedTunnels) tunnel.set(k, t);
    return { underlay: [...underlay.values()], tunnel: [...tunnel.values()] };
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
    return [...this.routesByKey.values()];
  }

  /** The ECMP nexthop set of `destination`, sorted for stable output. */
  nexthops(destination: Ipv6Net): Nexthop[] {
    const m = this.ecmp.get(formatNet(destination));
    if (m === undefined) return [];
    return [...m.via.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v.nexthop);
  }

  /** The whole FIB view: every destination with at least one nexthop (for a full resync). */
  fib(): FibChange[] {
    return [...this.ecmp.values()].map((e) => ({
      destination: e.destination,
      nexthops: this.nexthops(e.destination),
    }));
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

  private nexthopKeys(destKey: string): string {
    return [...(this.ecmp.get(destKey)?.via.keys() ?? [])].sort().join(",");
  }

  private bump(r: Route, delta: 1 | -1): void {
    const dk = formatNet(r.destination);
    let e = this.ecmp.get(dk);
    if (e === undefined) {
      e = { destination: r.destination, via: new Map() };
      this.ecmp.set(dk, e);
    }
    const nk = nhKey(r.nexthop);
    const paths = (e.via.get(nk)?.paths ?? 0) + delta;
    if (paths > 0) e.via.set(nk, { nexthop: r.nexthop, paths });
    else e.via.delete(nk);
    if (e.via.size === 0) this.ecmp.delete(dk);
  }

  private redistribution(
    accepted: readonly PathVector[],
    withdrawn: readonly PathVector[],
    u: Update,
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
    const t = u.tunnel;
    const tunnel = t !== null && t.announce.length + t.withdraw.length > 0 ? t : null;
    return underlay === null && tunnel === null ? null : { underlay, tunnel };
  }
}
