/**
 * The kernel routing table as DDM's shell sees it: replace a route's whole
 * nexthop set, delete a route, and list the routes we own (protocol 221), so
 * a restart can reconcile instead of leaving stale routes behind (spec Part 5
 * item 5). Two implementations: `MemoryRouteTable` here for tests, and
 * `NetlinkRouteTable` (`netlink-table.ts`) over a NETLINK_ROUTE socket.
 */
import { err, ok, type Result } from "../../protocols/common/result.js";
import { type Ipv6Net, ipv6NetworkAddr } from "../../protocols/ddm/ip.js";
import type { FibChange, Nexthop } from "../../protocols/ddm/rib.js";
import { RT_TABLE_MAIN, RTPROT_MAGNETITE, RT_SCOPE_UNIVERSE, RTN_UNICAST } from "./constants.js";
import type { KernelNexthop, KernelRoute, RouteSpec } from "./rtnetlink.js";

/** Route table failures, with stable codes for logs and metrics. */
export type RouteTableError =
  /** The kernel refused the request; `errno` is positive. */
  | { readonly code: "KERNEL_E_REJECTED"; readonly errno: number; readonly message: string | null }
  /** The route to delete does not exist (ESRCH/ENOENT); callers usually treat this as done. */
  | { readonly code: "KERNEL_E_NOT_FOUND" }
  /** The route could not be encoded (bad address, length or weight). */
  | { readonly code: "KERNEL_E_BAD_ROUTE"; readonly detail: string }
  /** The kernel did not answer within the request deadline. */
  | { readonly code: "KERNEL_E_TIMEOUT" }
  /** The table was closed while the request was in flight. */
  | { readonly code: "KERNEL_E_CLOSED" };

/** The key of a route: family, destination and table. */
export interface RouteKey {
  readonly family: 4 | 6;
  readonly dst: string;
  readonly dstLen: number;
  readonly table?: number;
}

/** One write of a batch. */
export type RouteOp =
  | { readonly op: "replace"; readonly route: RouteSpec }
  | { readonly op: "delete"; readonly key: RouteKey };

/** Failures of a batch by index into its ops; an op not listed succeeded. */
export type RouteBatchResult = ReadonlyMap<number, RouteTableError>;

/** What the DDM shell needs from a routing table. */
export interface RouteTable {
  /** Create the route or replace its whole nexthop set. */
  replace(route: RouteSpec): Promise<Result<void, RouteTableError>>;
  /** Delete the route (all its nexthops). */
  delete(key: RouteKey): Promise<Result<void, RouteTableError>>;
  /** Many replaces and deletes, in order; resolves when all have landed. */
  writeBatch(ops: readonly RouteOp[]): Promise<RouteBatchResult>;
  /** Every route with our protocol number, in every table. */
  dumpOurs(): Promise<Result<KernelRoute[], RouteTableError>>;
  /** Delete what the table keeps beside routes (nexthop objects) that no route uses any more. */
  release?(): Promise<void>;
}

const keyOf = (k: RouteKey): string => `${k.family}|${k.dst}/${k.dstLen}|${k.table ?? RT_TABLE_MAIN}`;

/** An in-memory table for tests, with injectable failures. */
export class MemoryRouteTable implements RouteTable {
  private readonly routes = new Map<string, KernelRoute>();
  private readonly failures: RouteTableError[] = [];

  /** Make the next operation fail with `e` (queued, first in first out). */
  failNext(e: RouteTableError): void {
    this.failures.push(e);
  }

  async replace(route: RouteSpec): Promise<Result<void, RouteTableError>> {
    const f = this.failures.shift();
    if (f !== undefined) return err(f);
    if (route.nexthops.length === 0) return err({ code: "KERNEL_E_BAD_ROUTE", detail: "no nexthops" });
    this.routes.set(keyOf(route), {
      family: route.family,
      dst: route.dst,
      dstLen: route.dstLen,
      table: route.table ?? RT_TABLE_MAIN,
      protocol: RTPROT_MAGNETITE,
      priority: route.priority ?? null,
      scope: RT_SCOPE_UNIVERSE,
      type: RTN_UNICAST,
      nexthops: route.nexthops,
      nhId: null,
    });
    return ok(undefined);
  }

  async delete(key: RouteKey): Promise<Result<void, RouteTableError>> {
    const f = this.failures.shift();
    if (f !== undefined) return err(f);
    return this.routes.delete(keyOf(key)) ? ok(undefined) : err({ code: "KERNEL_E_NOT_FOUND" });
  }

  async writeBatch(ops: readonly RouteOp[]): Promise<RouteBatchResult> {
    const out = new Map<number, RouteTableError>();
    for (const [i, o] of ops.entries()) {
      const r = o.op === "replace" ? await this.replace(o.route) : await this.delete(o.key);
      if (!r.ok) out.set(i, r.error);
    }
    return out;
  }

  async dumpOurs(): Promise<Result<KernelRoute[], RouteTableError>> {
    const f = this.failures.shift();
    if (f !== undefined) return err(f);
    return ok([...this.routes.values()]);
  }
}

/** Interface name → index, as the shell learned it from Init (`LinkInfo`). */
export type IfIndexOf = (ifName: string) => number | undefined;

/**
 * Turn a DDM FIB change into the table operation it needs: a replace with the
 * ECMP set, or a delete when the set is empty (spec §1.8: a (prefix, nexthop)
 * leaves the kernel only when no path through it is left, which the RIB's
 * FIB changes already encode). Nexthops on interfaces with no
 * known index are left out (the link is gone); if none is left, delete.
 */
export function fibChangeToOp(
  change: FibChange,
  ifIndexOf: IfIndexOf,
  table: number = RT_TABLE_MAIN,
): { readonly op: "replace"; readonly route: RouteSpec } | { readonly op: "delete"; readonly key: RouteKey } {
  const d: Ipv6Net = change.destination;
  const nexthops = kernelNexthops(change.nexthops, ifIndexOf);
  // The kernel wants the network address; DDM keeps host bits as announced.
  const dst: string = ipv6NetworkAddr(d);
  return nexthops.length === 0
    ? { op: "delete", key: { family: 6, dst, dstLen: d.len, table } }
    : { op: "replace", route: { family: 6, dst, dstLen: d.len, table, nexthops } };
}

/** A RIB nexthop set as an interned kernel set (empty when no nexthop's interface has an index). */
export function kernelNexthops(nexthops: readonly Nexthop[], ifIndexOf: IfIndexOf): readonly KernelNexthop[] {
  const list: KernelNexthop[] = [];
  for (const n of nexthops) {
    const ifIndex = ifIndexOf(n.ifName);
    if (ifIndex !== undefined) list.push(kernelNexthop(n.addr, ifIndex));
  }
  return internNexthops(list);
}

/**
 * `kernelNexthops` for one burst of FIB changes under one interface-index
 * view (the router's handling of one update): the last set is remembered,
 * and the changes of a burst nearly all share it (everything one peer
 * announced, through the same one or two neighbours). Comparing a set's
 * address and interface texts is cheaper than the index lookup, the
 * nexthop cache's two and the set cache's one or two per change.
 */
export function nexthopSetsOf(
  ifIndexOf: IfIndexOf,
): (nexthops: readonly Nexthop[]) => readonly KernelNexthop[] {
  let lastIn: readonly Nexthop[] | null = null;
  let lastOut: readonly KernelNexthop[] = [];
  return (nexthops) => {
    if (lastIn !== null && sameRibSet(nexthops, lastIn)) return lastOut;
    lastOut = kernelNexthops(nexthops, ifIndexOf);
    lastIn = nexthops;
    return lastOut;
  };
}

function sameRibSet(a: readonly Nexthop[], b: readonly Nexthop[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as Nexthop;
    const y = b[i] as Nexthop;
    if (x !== y && (x.addr !== y.addr || x.ifName !== y.ifName)) return false;
  }
  return true;
}

/**
 * Kernel nexthops are immutable values and a router has a handful of
 * neighbours, so one object per (gateway, interface index) serves every
 * route through it; bounded, cleared when full.
 */
const nexthopCache = new Map<number, Map<string, KernelNexthop>>();
let nexthopsCached = 0;
const NEXTHOP_CACHE_MAX = 4096;

/**
 * Nexthop sets of one or two members, interned: a router has a handful of
 * neighbours and so a handful of ECMP sets, and every route through the same
 * set shares one frozen array. Tens of thousands of routes then hold no
 * array of their own (fewer objects for the scavenger to copy), and the
 * sync's comparison of desired and installed sets is usually an identity
 * check. Keyed by the cached member objects; cleared with them.
 */
const setsOf1 = new Map<KernelNexthop, readonly KernelNexthop[]>();
const setsOf2 = new Map<KernelNexthop, Map<KernelNexthop, readonly KernelNexthop[]>>();

function internNexthops(list: KernelNexthop[]): readonly KernelNexthop[] {
  const a = list[0];
  if (a === undefined || list.length > 2) return list;
  if (list.length === 1) {
    const s = setsOf1.get(a);
    if (s !== undefined) return s;
    Object.freeze(list);
    setsOf1.set(a, list);
    return list;
  }
  const b = list[1] as KernelNexthop;
  let byB = setsOf2.get(a);
  const s = byB?.get(b);
  if (s !== undefined) return s;
  if (byB === undefined) {
    byB = new Map();
    setsOf2.set(a, byB);
  }
  Object.freeze(list);
  byB.set(b, list);
  return list;
}

function kernelNexthop(gateway: string, ifIndex: number): KernelNexthop {
  // By interface, then gateway: no key string built per route.
  let byGateway = nexthopCache.get(ifIndex);
  let nh = byGateway?.get(gateway);
  if (nh !== undefined) return nh;
  if (nexthopsCached >= NEXTHOP_CACHE_MAX) {
    nexthopCache.clear();
    setsOf1.clear();
    setsOf2.clear();
    nexthopsCached = 0;
    byGateway = undefined;
  }
  if (byGateway === undefined) {
    byGateway = new Map();
    nexthopCache.set(ifIndex, byGateway);
  }
  nh = { gateway, ifIndex, weight: 1 };
  byGateway.set(gateway, nh);
  nexthopsCached += 1;
  return nh;
}
