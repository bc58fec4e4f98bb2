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
