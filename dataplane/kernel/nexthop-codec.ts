/**
 * Nexthop object messages (Linux ≥ 5.3, `linux/nexthop.h`): RTM_NEWNEXTHOP
 * for one nexthop (a gateway on a device) or a group of them (ECMP, each
 * member with a weight), RTM_DELNEXTHOP, the RTM_GETNEXTHOP dump, and the
 * decoding of what the kernel sends back (dump entries and the
 * RTNLGRP_NEXTHOP notifications). Pure byte work, like `rtnetlink.ts`.
 *
 * Layouts: a message is nlmsghdr + `struct nhmsg` (family, scope, protocol,
 * reserved, u32 flags) + attributes. A single nexthop carries its family
 * (AF_INET6 for DDM's link-local gateways), NHA_ID, NHA_OIF and NHA_GATEWAY;
 * a group carries family AF_UNSPEC (the kernel refuses any other), NHA_ID
 * and NHA_GROUP, an array of `struct nexthop_grp` (u32 member id, u8
 * weight - 1, three reserved bytes). The kernel answers a dump with the same
 * layout plus NHA_BLACKHOLE and other attributes we do not create.
 */
import { err, ok, type Result } from "../../protocols/common/result.js";
import { formatIpv4, formatIpv6, ipv4Bytes, ipv6Bytes } from "../../protocols/ddm/ip.js";
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  NEXTHOP_GRP_LEN,
  NHA_BLACKHOLE,
  NHA_GATEWAY,
  NHA_GROUP,
  NHA_ID,
  NHA_OIF,
  NHMSG_LEN,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  NLMSG_HDRLEN,
  RTM_DELNEXTHOP,
  RTM_GETNEXTHOP,
  RTM_NEWNEXTHOP,
  RTPROT_MAGNETITE,
} from "./constants.js";
import {
  decodeAttrs,
  encodeMessage,
  HOST_LE,
  hostView,
  type NetlinkDecodeError,
  type NlMessage,
} from "./netlink.js";

/**
 * Gateways repeat across every route through a neighbour (DDM has a handful
 * of nexthops and tens of thousands of destinations), so their bytes are
 * parsed once and kept; the cache is bounded and simply cleared when full.
 */
const gatewayCache = new Map<string, Uint8Array>();
const GATEWAY_CACHE_MAX = 4096;

/** The network-order bytes of a gateway address, cached; null when the text is not an address of `family`. */
export function gatewayBytes(family: 4 | 6, text: string): Uint8Array | null {
  const key = family === 6 ? text : `4|${text}`;
  const hit = gatewayCache.get(key);
  if (hit !== undefined) return hit;
  const b = family === 6 ? ipv6Bytes(text) : ipv4Bytes(text);
  if (b === null) return null;
  if (gatewayCache.size >= GATEWAY_CACHE_MAX) gatewayCache.clear();
  gatewayCache.set(key, b);
  return b;
}

/** What a request to create one object says. */
export type NexthopObjectSpec =
  | {
      readonly kind: "single";
      readonly id: number;
      readonly family: 4 | 6;
      /** Network-order gateway bytes (`gatewayBytes`), or null for a device nexthop. */
      readonly gateway: Uint8Array | null;
      readonly ifIndex: number;
    }
  | {
      readonly kind: "group";
      readonly id: number;
      /** Member object ids with their weights (1..256). */
      readonly members: readonly { readonly id: number; readonly weight: number }[];
    };

/** Bytes `writeNexthopAt` needs for `spec`. */
export function nexthopRequestLength(spec: NexthopObjectSpec): number {
  const body =
    spec.kind === "group"
      ? 8 + 4 + NEXTHOP_GRP_LEN * spec.members.length
      : 8 + 8 + (spec.gateway === null ? 0 : 4 + spec.gateway.length);
  return NLMSG_HDRLEN + NHMSG_LEN + body;
}

/**
 * Write an RTM_NEWNEXTHOP creating `spec` at `at` (CREATE|EXCL: an id the
 * kernel already holds is an error, never a silent takeover of somebody
 * else's object). Protocol 221 marks it ours. Returns the offset after it,
 * or -1 when it would pass `limit` (nothing written).
 */
export function writeNexthopAt(
  out: Uint8Array,
  dv: DataView,
  at: number,
  limit: number,
  spec: NexthopObjectSpec,
  seq: number,
): number {
  const len = nexthopRequestLength(spec);
  if (at + len > limit) return -1;
  header(dv, at, len, RTM_NEWNEXTHOP, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL, seq);
  let o = at + NLMSG_HDRLEN;
  out.fill(0, o, o + NHMSG_LEN);
  out[o] = spec.kind === "group" ? AF_UNSPEC : spec.family === 6 ? AF_INET6 : AF_INET;
  out[o + 2] = RTPROT_MAGNETITE;
  o += NHMSG_LEN;
  o = u32At(dv, o, NHA_ID, spec.id);
  if (spec.kind === "group") {
    dv.setUint16(o, 4 + NEXTHOP_GRP_LEN * spec.members.length, HOST_LE);
    dv.setUint16(o + 2, NHA_GROUP, HOST_LE);
    o += 4;
    for (const m of spec.members) {
      dv.setUint32(o, m.id >>> 0, HOST_LE);
      out[o + 4] = m.weight - 1;
      out[o + 5] = 0;
      dv.setUint16(o + 6, 0, HOST_LE);
      o += NEXTHOP_GRP_LEN;
    }
  } else {
    o = u32At(dv, o, NHA_OIF, spec.ifIndex);
    if (spec.gateway !== null) {
      dv.setUint16(o, 4 + spec.gateway.length, HOST_LE);
      dv.setUint16(o + 2, NHA_GATEWAY, HOST_LE);
      out.set(spec.gateway, o + 4);
      o += 4 + spec.gateway.length;
    }
  }
  return o;
}

/** Length of an RTM_DELNEXTHOP request. */
export const DELETE_NEXTHOP_LEN = NLMSG_HDRLEN + NHMSG_LEN + 8;

/** Write an RTM_DELNEXTHOP for object `id` at `at`; -1 when it would pass `limit`. */
export function writeDeleteNexthopAt(
  out: Uint8Array,
  dv: DataView,
  at: number,
  limit: number,
  id: number,
  flags: number,
  seq: number,
): number {
  if (at + DELETE_NEXTHOP_LEN > limit) return -1;
  header(dv, at, DELETE_NEXTHOP_LEN, RTM_DELNEXTHOP, NLM_F_REQUEST | flags, seq);
  out.fill(0, at + NLMSG_HDRLEN, at + NLMSG_HDRLEN + NHMSG_LEN);
  return u32At(dv, at + NLMSG_HDRLEN + NHMSG_LEN, NHA_ID, id);
}

/** RTM_GETNEXTHOP dump of every object (all families, groups included). */
export function encodeDumpNexthops(seq: number): Uint8Array {
  return encodeMessage(RTM_GETNEXTHOP, NLM_F_REQUEST | NLM_F_DUMP, seq, 0, new Uint8Array(NHMSG_LEN));
}

/** An nlmsghdr at `at` (port 0: the kernel fills in ours). */
function header(dv: DataView, at: number, len: number, type: number, flags: number, seq: number): void {
  dv.setUint32(at, len, HOST_LE);
  dv.setUint16(at + 4, type, HOST_LE);
  dv.setUint16(at + 6, flags, HOST_LE);
  dv.setUint32(at + 8, seq >>> 0, HOST_LE);
  dv.setUint32(at + 12, 0, HOST_LE);
}

function u32At(dv: DataView, o: number, type: number, v: number): number {
  dv.setUint16(o, 8, HOST_LE);
  dv.setUint16(o + 2, type, HOST_LE);
  dv.setUint32(o + 4, v >>> 0, HOST_LE);
  return o + 8;
}

/** A nexthop object as the kernel reports it. */
export interface KernelNexthopObject {
  readonly id: number;
  /** `nh_family` as sent: AF_INET6, AF_INET, or AF_UNSPEC for a group. */
  readonly family: number;
  readonly protocol: number;
  /** Gateway text (its family by its length), or null. */
  readonly gateway: string | null;
  /** NHA_OIF, 0 when absent (a group, a blackhole). */
  readonly ifIndex: number;
  readonly blackhole: boolean;
  /** Members of a group with their weights (1..256), or null for a single nexthop. */
  readonly group: readonly { readonly id: number; readonly weight: number }[] | null;
}

const short = (offset: number, detail: string): Result<never, NetlinkDecodeError> =>
  err({ code: "NL_E_TRUNCATED_PAYLOAD", offset, detail });

/** Decode the body of an RTM_NEWNEXTHOP / RTM_DELNEXTHOP. Total; an object without NHA_ID is an error. */
export function decodeNexthopObject(m: NlMessage): Result<KernelNexthopObject, NetlinkDecodeError> {
  const p = m.payload;
  if (p.length < NHMSG_LEN) return short(NLMSG_HDRLEN, "nhmsg");
  const attrs = decodeAttrs(p.subarray(NHMSG_LEN), NLMSG_HDRLEN + NHMSG_LEN);
  if (!attrs.ok) return attrs;
  let id = -1;
  let gateway: string | null = null;
  let ifIndex = 0;
  let blackhole = false;
  let group: { id: number; weight: number }[] | null = null;
  for (const a of attrs.value) {
    const v = a.value;
    switch (a.type) {
      case NHA_ID:
      case NHA_OIF: {
        if (v.length < 4) return short(a.offset, `u32 attribute ${a.type}`);
        const n = hostView(v).getUint32(0, HOST_LE);
        if (a.type === NHA_ID) id = n;
        else ifIndex = n;
        break;
      }
      case NHA_GATEWAY:
        if (v.length === 16) gateway = formatIpv6(v);
        else if (v.length === 4) gateway = formatIpv4(v);
        else return short(a.offset, `gateway of ${v.length} bytes`);
        break;
      case NHA_BLACKHOLE:
        blackhole = true;
        break;
      case NHA_GROUP: {
        if (v.length % NEXTHOP_GRP_LEN !== 0) return short(a.offset, `group of ${v.length} bytes`);
        const dv = hostView(v);
        group = [];
        for (let o = 0; o < v.length; o += NEXTHOP_GRP_LEN)
          group.push({ id: dv.getUint32(o, HOST_LE), weight: (v[o + 4] ?? 0) + 1 });
        break;
      }
      default:
        break; // NHA_GROUP_TYPE, NHA_ENCAP, NHA_FDB, statistics: not ours to interpret
    }
  }
  if (id < 0) return err({ code: "NL_E_BAD_ATTR", offset: NLMSG_HDRLEN, detail: "nexthop without NHA_ID" });
  return ok({ id, family: p[0] ?? 0, protocol: p[2] ?? 0, gateway, ifIndex, blackhole, group });
}
