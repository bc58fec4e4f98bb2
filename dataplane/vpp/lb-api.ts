/**
 * Typed LB calls over a `VppClient`: one function per `LbOp` kind, the state
 * read (VIP dump + AS dump + CLI scrape, §5.3 step 2) and `lb_conf`.
 */
import { DomainError } from "../../protocols/common/domain-error.js";
import { type LbErrorCode, lbCodeForRetval } from "../../protocols/lb/errors.js";
import { type IpAddr, ipFamily } from "../../protocols/lb/ip.js";
import type { LbOp } from "../../protocols/lb/ops.js";
import {
  FLOW_TABLE_LENGTH,
  type LbConf,
  type LbEncap,
  type VipKey,
  type VipProtocol,
  vipKeyId,
} from "../../protocols/lb/types.js";
import { assertNever } from "../../protocols/common/assert-never.js";
import { type CliVip, parseShowLbVipsVerbose } from "./cli-lb-vips.js";
import type { VppClient } from "./client.js";
import * as M from "./messages.js";
import type { LbVipWire, Prefix } from "./schema.js";

const ENCAPS: readonly LbEncap[] = ["gre4", "gre6", "l3dsr", "nat4", "nat6"];

function wireVip(k: VipKey): { pfx: Prefix; protocol: number; port: number } {
  return { pfx: { address: k.address, len: k.prefixLen }, protocol: k.protocol, port: k.port };
}

/** A VIP identity from the wire, normalised the way `hostVipKey` builds ours. */
export function keyFromWire(v: LbVipWire): VipKey {
  // IPv4 VIPs may come back with VPP's internal +96 length (§6.2).
  const len = ipFamily(v.pfx.address) === 4 && v.pfx.len > 32 ? v.pfx.len - 96 : v.pfx.len;
  const protocol: VipProtocol = v.port === 0 || (v.protocol !== 6 && v.protocol !== 17) ? 255 : v.protocol;
  return { address: v.pfx.address, prefixLen: len, protocol, port: v.port };
}

/** Execute one op; rejects with the client's `VppError` (retval in details). */
export async function execOp(client: VppClient, op: LbOp): Promise<void> {
  const vip = wireVip(op.key);
  switch (op.kind) {
    case "vip-add":
    case "vip-del":
      await client.call(M.LbAddDelVipV2, M.LbAddDelVipV2Reply, {
        ...vip,
        encap: op.kind === "vip-add" ? M.ENCAP_WIRE[op.encap] : 0,
        dscp: 0,
        type: 0,
        target_port: 0,
        node_port: 0,
        // Never 0, not even on delete: 0 made VPP allocate 2^32 buckets (bug §10.11).
        new_flows_table_length: op.kind === "vip-add" ? op.flowTableLength : FLOW_TABLE_LENGTH,
        src_ip_sticky: op.kind === "vip-add" ? op.srcIpSticky : false,
        is_del: op.kind === "vip-del",
      });
      return;
    case "as-add":
    case "as-del":
      await client.call(M.LbAddDelAsV2, M.LbAddDelAsV2Reply, {
        ...vip,
        as_address: op.address,
        weight: op.kind === "as-add" ? op.weight : 0,
        is_del: op.kind === "as-del",
        is_flush: op.flush,
      });
      return;
    case "as-set-weight":
      await client.call(M.LbAsSetWeight, M.LbAsSetWeightReply, {
        ...vip,
        as_address: op.address,
        weight: op.weight,
        is_flush: op.flush,
      });
      return;
    default:
      assertNever(op, "lb op");
  }
}

/** A VIP as read from VPP, before the adapter adds its flush memory. */
export interface ReadVip {
  readonly key: VipKey;
  readonly encap: LbEncap;
  readonly srcIpSticky: boolean;
  readonly flowTableLength: number;
  /** LB pool index from the CLI scrape (stats counter index), if found. */
  readonly poolIndex: number | undefined;
  /** Live (USED) ASes and their weights. */
  readonly ases: ReadonlyMap<IpAddr, number>;
}

const ALL = { pfx: { address: "0.0.0.0" as IpAddr, len: 0 }, protocol: 0, port: 0 };

/**
 * Read every VIP with its live ASes. The AS dump is always unfiltered
 * (all-zero prefix) because VPP's IPv4 filter never matches (bug §10.12);
 * ASes are matched to VIPs client-side by (prefix, protocol, port). ASes
 * without the USED flag are removed slots awaiting GC and count as absent.
 */
export async function readVips(client: VppClient): Promise<ReadVip[]> {
  const [vips, ases, cli] = await Promise.all([
    client.dump(M.LbVipDump, M.LbVipDetails, { ...ALL, pfx_matcher_le: 0, pfx_matcher_ge: 0 }),
    client.dump(M.LbAsV2Dump, M.LbAsV2Details, ALL),
    client.call(M.CliInband, M.CliInbandReply, { cmd: "show lb vips verbose" }),
  ]);
  const scraped = new Map<string, CliVip>();
  for (const c of parseShowLbVipsVerbose(cli.reply)) {
    if (c.removed) continue;
    scraped.set(vipKeyId(keyFromWire({ pfx: c.prefix, protocol: c.protocol, port: c.port })), c);
  }
  const byVip = new Map<string, Map<IpAddr, number>>();
  for (const a of ases) {
    if ((a.flags & M.AS_FLAG_USED) === 0) continue;
    const id = vipKeyId(keyFromWire(a.vip));
    const m = byVip.get(id) ?? new Map<IpAddr, number>();
    m.set(a.app_srv, a.weight);
    byVip.set(id, m);
  }
  const out: ReadVip[] = [];
  for (const v of vips) {
    const encap = ENCAPS[v.encap];
    if (encap === undefined) continue; // not an lb_encap_type we know; cannot be represented
    const key = keyFromWire(v.vip);
    const id = vipKeyId(key);
    const c = scraped.get(id);
    out.push({
      key,
      encap,
      srcIpSticky: c?.srcIpSticky ?? false,
      flowTableLength: v.flow_table_length,
      poolIndex: c?.index,
      ases: byVip.get(id) ?? new Map(),
    });
  }
  return out;
}

/** Read the global settings. */
export async function readConf(client: VppClient): Promise<LbConf> {
  const r = await client.call(M.LbConfGet, M.LbConfGetReply, {});
  return {
    ip4SrcAddress: r.ip4_src_address,
    ip6SrcAddress: r.ip6_src_address,
    stickyBucketsPerCore: r.sticky_buckets_per_core,
    flowTimeoutSeconds: r.flow_timeout,
  };
}

/** Push the global settings (both source addresses always, §2.3). */
export async function writeConf(client: VppClient, conf: LbConf): Promise<void> {
  await client.call(M.LbConf, M.LbConfReply, {
    ip4_src_address: conf.ip4SrcAddress,
    ip6_src_address: conf.ip6SrcAddress,
    sticky_buckets_per_core: conf.stickyBucketsPerCore,
    flow_timeout: conf.flowTimeoutSeconds,
  });
}

/** Translate a VPP retval refusal into the LB code space. */
export function lbErrorFromRetval(retval: number, what: string): DomainError<LbErrorCode> {
  return new DomainError<LbErrorCode>(lbCodeForRetval(retval), `${what} refused by VPP (retval ${retval})`, {
    retval,
  });
}
