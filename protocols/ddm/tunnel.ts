/**
 * Tunnel endpoint helpers: identity keys and the "effective set" (spec
 * ddm-bfd-maghemite.md §1.3, maghemite PR #174, graceful transition to and
 * from BFD-based networks).
 *
 * Effective set: group routes by overlay prefix; in a group where any route
 * has metric > 0 keep only those ("active"), otherwise keep all; then zero the
 * metric so set differences ignore it. What is programmed into the tunnel
 * dataplane is this set. It is keyed by origin only: two nexthops announcing
 * the same origin program one entry [I: maghemite's OPTE call takes no nexthop].
 */
import { formatNet } from "./ip.js";
import type { TunnelOrigin } from "./types.js";

/** Identity of an origin, metric included (a withdraw must match field for field, spec §1.7). */
export function tunnelKey(t: TunnelOrigin): string {
  return `${formatNet(t.overlayPrefix)}|${t.boundaryAddr}|${t.vni}|${t.metric.toString()}`;
}

/** The effective set of `origins`, keyed by `tunnelKey` of the metric-zeroed origin. */
export function effectiveSet(origins: Iterable<TunnelOrigin>): Map<string, TunnelOrigin> {
  const groups = new Map<string, TunnelOrigin[]>();
  for (const o of origins) {
    const k = formatNet(o.overlayPrefix);
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [o]);
    else g.push(o);
  }
  const out = new Map<string, TunnelOrigin>();
  for (const g of groups.values()) {
    const active = g.filter((o) => o.metric > 0n);
    for (const o of active.length > 0 ? active : g) {
      const z = { ...o, metric: 0n };
      out.set(tunnelKey(z), z);
    }
  }
  return out;
}
