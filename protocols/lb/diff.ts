/**
 * `diff(desired, current)` → the ordered dataplane calls that make `current`
 * look like `desired` (maglev-vpp §5.3, §5.4). Pure and deterministic: the
 * output depends only on the contents of its inputs, never on map insertion
 * order (bug §10.2).
 *
 * Order, chosen so no call fails on a state the previous calls left:
 *  1. Teardown, VIPs in key order: every VIP that is stale (full scope only)
 *     or must be recreated loses its ASes (flush) then is deleted. All
 *     teardowns go first so a family flip on a prefix shared by several VIPs
 *     never meets VPP's one-encap-per-prefix rule (-73) half-way.
 *  2. Build-up, VIPs in key order: create missing/recreated VIPs and add their
 *     ASes; for kept VIPs: AS adds, then weight changes, then AS deletes —
 *     make before break, so the new-flow table never passes through "no
 *     server" while ASes are swapped.
 * Within each step ASes go in numeric IPv4-then-IPv6 order (§4.4).
 */
import { compareIp, type IpAddr } from "./ip.js";
import type { LbOp, LbOpReason } from "./ops.js";
import {
  compareVipKeys,
  type DesiredState,
  type DesiredVip,
  type LbState,
  type VipKey,
  type VipState,
} from "./types.js";

/** Options of one diff. */
export interface DiffOptions {
  /**
   * Restrict the diff to these VIP ids (`vipKeyId`); VIPs outside are not
   * touched and nothing is deleted for being stale — the per-frontend
   * `SyncLBStateVIP` of §5.3, which never deletes VIPs. Absent = full scope
   * (`SyncLBStateAll`, §5.4), which removes VIPs nobody wants.
   */
  readonly only?: ReadonlySet<string>;
  /** Flush this AS even if nothing else would (§5.3 `flushAddress`). */
  readonly forceFlush?: { readonly vip: string; readonly address: IpAddr };
}

/** Why `current` cannot be changed in place into `desired`, if it cannot. */
export function recreateReason(desired: DesiredVip, current: VipState): LbOpReason | undefined {
  if (current.encap !== desired.encap) return "recreate-encap";
  if (current.srcIpSticky !== desired.srcIpSticky) return "recreate-sticky";
  if (current.flowTableLength !== desired.flowTableLength) return "recreate-table";
  return undefined;
}

function teardown(vip: VipState, reason: LbOpReason): LbOp[] {
  const ops: LbOp[] = [];
  for (const address of [...vip.ases.keys()].sort(compareIp)) {
    ops.push({ kind: "as-del", key: vip.key, address, flush: true, reason });
  }
  ops.push({ kind: "vip-del", key: vip.key, reason });
  return ops;
}

function build(vip: DesiredVip, reason: LbOpReason, force: IpAddr | undefined): LbOp[] {
  const ops: LbOp[] = [
    {
      kind: "vip-add",
      key: vip.key,
      encap: vip.encap,
      srcIpSticky: vip.srcIpSticky,
      flowTableLength: vip.flowTableLength,
      reason,
    },
  ];
  for (const a of [...vip.ases.values()].sort((x, y) => compareIp(x.address, y.address))) {
    // Flush on add evicts sticky leftovers when VPP reuses a removed AS slot (§6.4).
    const flush = a.flush || a.address === force;
    ops.push({ kind: "as-add", key: vip.key, address: a.address, weight: a.weight, flush, reason });
  }
  return ops;
}

function reconcileAses(want: DesiredVip, have: VipState, force: IpAddr | undefined): LbOp[] {
  const key: VipKey = want.key;
  const adds: LbOp[] = [];
  const sets: LbOp[] = [];
  const dels: LbOp[] = [];
  const all = [...new Set<IpAddr>([...want.ases.keys(), ...have.ases.keys()])].sort(compareIp);
  for (const address of all) {
    const d = want.ases.get(address);
    const c = have.ases.get(address);
    const forced = address === force;
    if (d === undefined) {
      // A backend that left the frontend is hard-drained (§5.3 [I]).
      if (c !== undefined) dels.push({ kind: "as-del", key, address, flush: true, reason: "stale" });
    } else if (c === undefined) {
      adds.push({
        kind: "as-add",
        key,
        address,
        weight: d.weight,
        flush: d.flush || forced,
        reason: "missing",
      });
    } else if (c.weight !== d.weight) {
      sets.push({
        kind: "as-set-weight",
        key,
        address,
        weight: d.weight,
        flush: d.flush || forced,
        reason: "weight",
      });
    } else if (d.flush && !c.flushed) {
      // Sticky-cache fix (bug §10.4): a flush is owed even though the weight is already right.
      sets.push({ kind: "as-set-weight", key, address, weight: d.weight, flush: true, reason: "flush" });
    } else if (forced) {
      sets.push({
        kind: "as-set-weight",
        key,
        address,
        weight: d.weight,
        flush: true,
        reason: "forced-flush",
      });
    }
  }
  return [...adds, ...sets, ...dels];
}

/** The ordered ops turning `current` into `desired` (see the file header for the order). */
export function diff(desired: DesiredState, current: LbState, options: DiffOptions = {}): readonly LbOp[] {
  const inScope = (id: string): boolean => options.only === undefined || options.only.has(id);
  const forceFor = (id: string): IpAddr | undefined =>
    options.forceFlush?.vip === id ? options.forceFlush.address : undefined;

  const teardowns: { key: VipKey; ops: LbOp[] }[] = [];
  const recreated = new Map<string, LbOpReason>();
  for (const [id, have] of current) {
    if (!inScope(id)) continue;
    const want = desired.get(id);
    if (want === undefined) {
      if (options.only === undefined) teardowns.push({ key: have.key, ops: teardown(have, "stale") });
      continue;
    }
    const why = recreateReason(want, have);
    if (why !== undefined) {
      recreated.set(id, why);
      teardowns.push({ key: have.key, ops: teardown(have, why) });
    }
  }

  const buildups: { key: VipKey; ops: LbOp[] }[] = [];
  for (const [id, want] of desired) {
    if (!inScope(id)) continue;
    const have = current.get(id);
    const why = recreated.get(id);
    if (have === undefined || why !== undefined) {
      buildups.push({ key: want.key, ops: build(want, why ?? "missing", forceFor(id)) });
    } else {
      buildups.push({ key: want.key, ops: reconcileAses(want, have, forceFor(id)) });
    }
  }

  const byKey = (a: { key: VipKey }, b: { key: VipKey }): number => compareVipKeys(a.key, b.key);
  return [...teardowns.sort(byKey), ...buildups.sort(byKey)].flatMap((x) => x.ops);
}

/** Convenience: the ops for one VIP id only (`SyncLBStateVIP`, §5.3). */
export function diffVip(
  desired: DesiredState,
  current: LbState,
  vip: string,
  forceFlush?: IpAddr,
): readonly LbOp[] {
  const opts: DiffOptions =
    forceFlush === undefined
      ? { only: new Set([vip]) }
      : { only: new Set([vip]), forceFlush: { vip, address: forceFlush } };
  return diff(desired, current, opts);
}
