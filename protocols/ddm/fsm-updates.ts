/**
 * The updates the interface machine pushes: admin announces and withdraws
 * (path = [own hostname], spec §1.2 Exchange table) and internal pushes from
 * other interfaces, filtered for the peer.
 */
import { assertNever } from "../common/assert-never.js";
import type { PathVector, PrefixSet, Update } from "./types.js";

/** The update an admin announce (or withdraw) of `set` sends from `hostname`. */
export function adminUpdate(set: PrefixSet, withdraw: boolean, hostname: string): Update {
  const wrap = <T>(items: readonly T[]) =>
    withdraw ? { announce: [], withdraw: items } : { announce: items, withdraw: [] };
  switch (set.kind) {
    case "underlay":
      return {
        underlay: wrap(set.prefixes.map((destination) => ({ destination, path: [hostname] }))),
        tunnel: null,
      };
    case "tunnel":
      return { underlay: null, tunnel: wrap(set.origins) };
    default:
      return assertNever(set, "prefix set");
  }
}

/**
 * Path-based split horizon for an internal push: drop vectors whose path
 * already holds the peer, which would discard them as loops anyway. The
 * tunnel part is kept (ddmd drops it, spec Part 5 item 3).
 */
export function forPeer(u: Update, peerHost: string): Update {
  if (u.underlay === null) return u;
  const keep = (pv: PathVector) => !pv.path.includes(peerHost);
  return {
    underlay: { announce: u.underlay.announce.filter(keep), withdraw: u.underlay.withdraw.filter(keep) },
    tunnel: u.tunnel,
  };
}

/** True when an update carries nothing. */
export function isEmptyUpdate(u: Update): boolean {
  const empty = (x: Update["underlay"] | Update["tunnel"]) =>
    x === null || (x.announce.length === 0 && x.withdraw.length === 0);
  return empty(u.underlay) && empty(u.tunnel);
}

/** Path vectors per push body when a large update is split (`chunkUpdate`). */
export const PUSH_CHUNK = 1000;

/**
 * Split `u` into updates of at most `max` path vectors each, to be pushed in
 * order (our addition; spec §1.3 has one body per update). A 10,000-prefix
 * announce as one body keeps the receiver parsing and applying it in one
 * go, long enough under load to miss the push deadline, which expires the
 * session (Part 5 item 2) and starts the exchange over. Chunks keep the
 * receiver's work short and the deadline per chunk meaningful.
 *
 * Order is what the receiver would have done with the whole update: every
 * underlay announce, then every underlay withdraw (`DdmRib.applyUpdate`
 * applies a body's announces before its withdraws); the tunnel part, which
 * the RIB handles independently of the underlay, rides with the first chunk
 * and is itself split when larger than `max`. A part that is null stays
 * null, an update that fits is returned as is.
 */
export function chunkUpdate(u: Update, max: number = PUSH_CHUNK): Update[] {
  const size = (x: Update["underlay"] | Update["tunnel"]) =>
    x === null ? 0 : x.announce.length + x.withdraw.length;
  if (size(u.underlay) <= max && size(u.tunnel) <= max) return [u];
  const slices = <T>(aw: { readonly announce: readonly T[]; readonly withdraw: readonly T[] } | null) => {
    const out: { announce: readonly T[]; withdraw: readonly T[] }[] = [];
    if (aw === null) return out;
    for (let i = 0; i < aw.announce.length; i += max)
      out.push({ announce: aw.announce.slice(i, i + max), withdraw: [] });
    for (let i = 0; i < aw.withdraw.length; i += max)
      out.push({ announce: [], withdraw: aw.withdraw.slice(i, i + max) });
    return out;
  };
  const under = slices(u.underlay);
  const tun = slices(u.tunnel);
  const n = Math.max(under.length, tun.length, 1);
  return Array.from({ length: n }, (_, i) => ({
    underlay: u.underlay === null ? null : (under[i] ?? { announce: [], withdraw: [] }),
    tunnel: u.tunnel === null ? null : (tun[i] ?? { announce: [], withdraw: [] }),
  })).filter((c, i) => i === 0 || !isEmptyUpdate(c));
}
