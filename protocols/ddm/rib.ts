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
import { ChainIndex } from "../common/chain-index.js";
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
  /** Routes that were not present before (the RIB's own records, read-only). */
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
const sameNexthop = (a: Nexthop, b: Nexthop): boolean => a.addr === b.addr && a.ifName === b.ifName;

/** Two paths hop for hop (no key string is built: most routes are compared, few are new). */
function samePath(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A path's identity among many routes of one (destination, nexthop): JSON
 * text is unambiguous. Used only past `PATHS_INLINE` paths.
 */
const pathKey = (path: readonly string[]): string => JSON.stringify(path);

/**
 * Paths of one (destination, nexthop) kept in a plain array up to this many;
 * past it, in a map by `pathKey` as well, so a peer announcing thousands of
 * paths for one destination costs a lookup each, not a scan. In DDM's
 * two-tier fabrics a neighbour offers one path, rarely a few.
 */
const PATHS_INLINE = 8;

/** A route as the RIB holds it, with the sweep mark of `sync` (handed out as a `Route`). */
interface Held extends Route {
  /** The sync pass that last saw it listed (see `DdmRib.pass`). */
  seen: number;
}

/**
 * The routes of one destination through one nexthop. One route, in all but
 * unusual fabrics: then the via is that route itself (`held` null, its own
 * `path` and `seen`), and a RIB of 30,000 destinations holds no route
 * object or array per via (bench/ddm: a third of a server's live objects).
 * From a second path on, `held` lists the routes (the via's own first);
 * a via's `path` is never changed, so a via handed out as a route stays
 * that route's record.
 */
interface Via extends Held {
  readonly nexthop: Nexthop;
  /** `nhKey(nexthop)`. */
  readonly key: string;
  /** Null: the via is its only route. Else its routes (never empty while the via is in its destination). */
  held: Held[] | null;
  /** By `pathKey`, once `held` is longer than `PATHS_INLINE`. */
  byPath: Map<string, Held> | null;
}

/** The routes of `via` (an array built only for a one-route via). */
const heldOf = (via: Via): readonly Held[] => via.held ?? [via];

/**
 * One destination: its nexthops (the ECMP set), a short array since it has
 * one member per neighbour offering it. `pass` and `had` belong to the
 * operation under way: the first time an operation touches the destination
 * it records whether the sender was a member then.
 */
interface Dest {
  readonly destination: Ipv6Net;
  vias: Via[];
  pass: number;
  had: boolean;
  /** The next destination with the same address text and another length (`DestIndex`). */
  next: Dest | undefined;
}

/**
 * Destinations by address text, then by prefix length. A lookup hashes the
 * address string the parser produced and walks a chain that is longer than
 * one only where prefixes of several lengths share an address (`fd00::/48`,
 * `fd00::/64`); no `addr/len` key string is built and flattened per route,
 * which was most of a 30,000-route update's RIB time (bench/ddm/server-path).
 */
class DestIndex {
  private readonly chains = new ChainIndex<Dest>();

  get(n: Ipv6Net): Dest | undefined {
    for (let d = this.chains.head(n.addr); d !== undefined; d = d.next)
      if (d.destination.len === n.len) return d;
    return undefined;
  }

  /** A new, empty destination for `n`, which must not be present. */
  add(n: Ipv6Net): Dest {
    const d: Dest = { destination: n, vias: [], pass: 0, had: false, next: undefined };
    this.chains.push(n.addr, d);
    return d;
  }

  remove(d: Dest): void {
    this.chains.remove(d.destination.addr, d);
  }

  /** Every destination, in no particular order. */
  all(): Dest[] {
    return this.chains.all();
  }
}

function viaOf(d: Dest, fk: string): Via | undefined {
  for (const v of d.vias) if (v.key === fk) return v;
  return undefined;
}

/**
 * `xs` with `x` added, in an array of exactly that length. A route's arrays
 * hold one or two members for as long as it lives, and `push` onto an array
 * grows its store by at least 16 slots: 30,000 destinations × three such
 * arrays were a third of a server's live heap (a heap snapshot after
 * bench/ddm's six pushes: 100,000 arrays, 15 MB of element stores).
 */
function appended<T>(xs: readonly T[], x: T): T[] {
  switch (xs.length) {
    case 0:
      return [x];
    case 1:
      return [xs[0] as T, x];
    default:
      return [...xs, x];
  }
}

function findHeld(via: Via, path: readonly string[]): Held | undefined {
  if (via.held === null) return samePath(via.path, path) ? via : undefined;
  if (via.byPath !== null) return via.byPath.get(pathKey(path));
  for (const h of via.held) if (samePath(h.path, path)) return h;
  return undefined;
}

/** Add route `h` to a via that holds at least one. */
function addHeld(via: Via, h: Held): void {
  const held = via.held === null ? [via, h] : appended(via.held, h);
  via.held = held;
  if (via.byPath !== null) via.byPath.set(pathKey(h.path), h);
  else if (held.length > PATHS_INLINE) via.byPath = new Map(held.map((x) => [pathKey(x.path), x]));
}

function removeHeld(via: Via, h: Held): void {
  if (via.held === null) {
    // Its only route: the via is now empty (and leaves its destination).
    if (h === via) via.held = [];
    return;
  }
  const held = via.held;
  const i = held.indexOf(h);
  if (i >= 0) held.splice(i, 1);
  via.byPath?.delete(pathKey(h.path));
  if (via.byPath !== null && held.length <= PATHS_INLINE) via.byPath = null;
}

/** No route left through `via`. */
const viaEmpty = (via: Via): boolean => via.held !== null && via.held.length === 0;

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
  /** Announcements that added a route (what a transit sends on; a server keeps none). */
  readonly accepted: PathVector[];
  readonly withdrawn: PathVector[];
  readonly fib: FibChange[];
}

/**
 * The DDM RIB for one router.
 *
 * Imported routes live in one map, destination → its nexthops → their
 * routes, with the two inner levels short arrays: an update of 30,000 routes
 * builds one key string per route (the destination's), a FIB change is
 * judged by whether the sender's nexthop joined or left the destination's
 * set (an operation only ever changes that one member), and a sync finds the
 * peer's unlisted routes by a pass mark on each route instead of a set of
 * everything it listed (bench/ddm/core.ts, server-path.ts).
 */
export class DdmRib {
  /** destination → its nexthops → their routes. */
  private readonly dests = new DestIndex();
  private readonly tunnels = new Map<string, TunnelRoute>();
  private readonly originated = new Map<string, Ipv6Net>();
  private readonly originatedTunnels = new Map<string, TunnelOrigin>();
  /** Number of the operation under way (marks on `Dest` and `Held`). */
  private pass = 0;

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

  /** First touch of `d` in this operation: note whether `fk` was in its set. */
  private touch(d: Dest, fk: string, touched: Dest[]): void {
    if (d.pass === this.pass) return;
    d.pass = this.pass;
    d.had = viaOf(d, fk) !== undefined;
    touched.push(d);
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
    const fk = nhKey(from);
    const pass = ++this.pass;
    const out: UnderlayOutcome = { added: [], removed: [], loops: [], accepted: [], withdrawn: [], fib: [] };
    /** Destinations this operation touched, each once (`Dest.pass`). */
    const touched: Dest[] = [];
    // Three loops in three methods: a push runs only the first for thousands of
    // routes, and V8 optimises it before the others ever ran. In one body, the
    // first withdrawal or sync then deoptimised the whole of it for want of type
    // feedback, and it was compiled again (bench/ddm/server-path, --trace-deopt).
    if (announce.length > 0) this.announceAll(from, fk, pass, announce, touched, out);
    if (withdraw.length > 0) this.withdrawAll(fk, withdraw, touched, out);
    if (sweep) this.sweepUnlisted(fk, pass, touched, out);
    for (const d of touched) {
      if (d.had === (viaOf(d, fk) !== undefined)) continue;
      out.fib.push({ destination: d.destination, nexthops: sortedNexthops(d) });
    }
    return out;
  }

  private announceAll(
    from: Nexthop,
    fk: string,
    pass: number,
    announce: readonly PathVector[],
    touched: Dest[],
    out: UnderlayOutcome,
  ): void {
    const host = this.local.hostname;
    // Only a transit sends announcements on (`redistribution`).
    const transit = this.local.kind === "transit";
    for (const pv of announce) {
      if (pv.path.includes(host)) {
        out.loops.push(pv);
        continue;
      }
      let d = this.dests.get(pv.destination);
      const via = d === undefined ? undefined : viaOf(d, fk);
      const have = via === undefined ? undefined : findHeld(via, pv.path);
      if (have !== undefined) {
        have.seen = pass;
        continue;
      }
      if (transit) out.accepted.push(pv);
      d ??= this.dests.add(pv.destination);
      this.touch(d, fk, touched);
      // The destination's own object: a second neighbour's announcement of it dies young.
      if (via === undefined) {
        const v: Via = {
          destination: d.destination,
          nexthop: from,
          path: pv.path,
          seen: pass,
          key: fk,
          held: null,
          byPath: null,
        };
        d.vias = appended(d.vias, v);
        out.added.push(v);
        continue;
      }
      const r: Held = { destination: d.destination, nexthop: from, path: pv.path, seen: pass };
      addHeld(via, r);
      out.added.push(r);
    }
  }

  private withdrawAll(
    fk: string,
    withdraw: readonly PathVector[],
    touched: Dest[],
    out: UnderlayOutcome,
  ): void {
    const host = this.local.hostname;
    const transit = this.local.kind === "transit";
    for (const pv of withdraw) {
      if (pv.path.includes(host)) continue; // never imported, nothing to withdraw or forward
      if (transit) out.withdrawn.push(pv);
      const d = this.dests.get(pv.destination);
      if (d === undefined) continue;
      const via = viaOf(d, fk);
      if (via === undefined) continue;
      const h = findHeld(via, pv.path);
      if (h !== undefined) this.drop(d, via, h, fk, touched, out);
    }
  }

  /** Withdraw every route from `fk` that this operation (`pass`) did not list (a sync). */
  private sweepUnlisted(fk: string, pass: number, touched: Dest[], out: UnderlayOutcome): void {
    const transit = this.local.kind === "transit";
    // Found first, dropped after, so the walk never sees a destination it is removing.
    const staleDests: Dest[] = [];
    const staleHeld: Held[] = [];
    this.unlisted(fk, pass, staleDests, staleHeld);
    for (let i = 0; i < staleHeld.length; i++) {
      const d = staleDests[i] as Dest;
      const h = staleHeld[i] as Held;
      const via = viaOf(d, fk);
      if (via === undefined) continue;
      // A held route never holds our hostname (loops are not imported).
      if (transit) out.withdrawn.push({ destination: h.destination, path: h.path });
      this.drop(d, via, h, fk, touched, out);
    }
  }

  /**
   * Routes from `fk` not marked by `pass`, with their destinations. A method of
   * its own: V8 compiles a long loop on-stack, and code after it that had not
   * run yet deoptimised the compiled loop (`--trace-deopt`).
   */
  private unlisted(fk: string, pass: number, dests: Dest[], held: Held[]): void {
    for (const d of this.dests.all()) {
      const via = viaOf(d, fk);
      if (via === undefined) continue;
      for (const h of heldOf(via))
        if (h.seen !== pass) {
          dests.push(d);
          held.push(h);
        }
    }
  }

  /** Remove route `h` of `via` of `d`, and the via and the destination once empty. */
  private drop(d: Dest, via: Via, h: Held, fk: string, touched: Dest[], out: UnderlayOutcome): void {
    this.touch(d, fk, touched);
    removeHeld(via, h);
    out.removed.push(h);
    if (!viaEmpty(via)) return;
    d.vias.splice(d.vias.indexOf(via), 1);
    if (d.vias.length === 0) this.dests.remove(d);
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
      for (const d of this.dests.all()) {
        for (let i = 0; i < d.vias.length; i++) {
          const via = d.vias[i] as Via;
          if (via.key === pk) continue;
          for (const r of heldOf(via)) {
            // A path offered by two nexthops is listed once.
            if (i > 0 && listedBefore(d, i, pk, r.path)) continue;
            // An empty imported path becomes [host], which our own origination lists below.
            if (r.path.length === 0 && this.originated.has(formatNet(d.destination))) continue;
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
    for (const d of this.dests.all())
      for (const via of d.vias)
        for (const h of heldOf(via))
          out.push({ destination: h.destination, nexthop: h.nexthop, path: h.path });
    return out;
  }

  /** The ECMP nexthop set of `destination`, sorted for stable output. */
  nexthops(destination: Ipv6Net): Nexthop[] {
    const d = this.dests.get(destination);
    return d === undefined ? [] : sortedNexthops(d);
  }

  /** The whole FIB view: every destination with at least one nexthop (for a full resync). */
  fib(): FibChange[] {
    return this.dests.all().map((d) => ({ destination: d.destination, nexthops: sortedNexthops(d) }));
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
  const vs = d.vias;
  // One or two neighbours (a server behind two transits): no scratch arrays.
  if (vs.length === 1) return [(vs[0] as Via).nexthop];
  if (vs.length === 2) {
    const a = vs[0] as Via;
    const b = vs[1] as Via;
    return b.key < a.key ? [b.nexthop, a.nexthop] : [a.nexthop, b.nexthop];
  }
  // Insertion by key: sets are a few neighbours, and this runs once per FIB change.
  const out: Nexthop[] = [];
  const keys: string[] = [];
  for (const v of vs) {
    let i = keys.length;
    while (i > 0 && (keys[i - 1] as string) > v.key) i--;
    keys.splice(i, 0, v.key);
    out.splice(i, 0, v.nexthop);
  }
  return out;
}

/** True when a via of `d` before index `i`, other than `skip`, holds `path`. */
function listedBefore(d: Dest, i: number, skip: string, path: readonly string[]): boolean {
  for (let j = 0; j < i; j++) {
    const v = d.vias[j] as Via;
    if (v.key !== skip && findHeld(v, path) !== undefined) return true;
  }
  return false;
}
