/**
 * Init's job (spec ddm-bfd-maghemite.md §1.2 Init): find an interface's
 * index and IPv6 link-local address. maghemite resolves an illumos address
 * object (`cxgbe0/ll`); on Linux we take the interface name and pick its
 * `fe80::/10` address. An interface that does not exist yet, or has no
 * link-local address yet (DAD, link down), is an error the state machine
 * retries after `ip-addr-wait`.
 */
import { networkInterfaces } from "node:os";
import { err, ok, type Result } from "../../protocols/common/result.js";
import type { LinkInfo } from "../../protocols/ddm/fsm-types.js";
import { parseIpv6 } from "../../protocols/ddm/ip.js";

/** Why a link could not be resolved. */
export type LinkError =
  | { readonly code: "DDM_LINK_NO_INTERFACE"; readonly ifName: string }
  | { readonly code: "DDM_LINK_NO_LINK_LOCAL"; readonly ifName: string };

/** Resolve `ifName` to its index and link-local address, in this process's namespace. */
export function resolveLink(ifName: string): Result<LinkInfo, LinkError> {
  const addrs = networkInterfaces()[ifName];
  if (addrs === undefined) return err({ code: "DDM_LINK_NO_INTERFACE", ifName });
  for (const a of addrs) {
    if (a.family !== "IPv6" || !/^fe[89ab]/i.test(a.address)) continue;
    const p = parseIpv6(a.address.split("%")[0] ?? "");
    // For a link-local address Node reports the interface index as the scope id.
    if (p.ok && a.scopeid !== undefined && a.scopeid > 0)
      return ok({ ifIndex: a.scopeid, ifName, addr: p.value });
  }
  return err({ code: "DDM_LINK_NO_LINK_LOCAL", ifName });
}

/** The index of `ifName`, or undefined when it is gone. */
export function interfaceIndex(ifName: string): number | undefined {
  const r = resolveLink(ifName);
  return r.ok ? r.value.ifIndex : undefined;
}
