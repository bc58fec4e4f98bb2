/**
 * rtnetlink route messages (rtnetlink(7)): RTM_NEWROUTE / RTM_DELROUTE /
 * RTM_GETROUTE requests, and decoding of route dumps, acknowledgements and
 * errors. Pure byte work; the socket is the `dgram-extended` addon's job.
 *
 * A route with one nexthop is sent as RTA_GATEWAY + RTA_OIF (what
 * `ip -6 route replace P via fe80::x dev IF` sends); with several, as
 * RTA_MULTIPATH holding one `rtnexthop` (+ RTA_GATEWAY) per nexthop, the
 * ECMP form for DDM's per-destination nexthop set (spec §1.8).
 */
import { err, ok, type Result } from "../../protocols/common/result.js";
import { GROUPS, readGroups } from "../../protocols/common/ip-text.js";
import { formatIpv4, formatIpv6, ipv4Bytes } from "../../protocols/ddm/ip.js";
import {
  AF_INET,
  AF_INET6,
  NLM_F_ACK,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_REPLACE,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLMSGERR_ATTR_MSG,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_COMPAT,
  RT_TABLE_MAIN,
  RTA_DST,
  RTA_GATEWAY,
  RTA_MULTIPATH,
  RTA_NH_ID,
  RTA_OIF,
  RTA_PRIORITY,
  RTA_TABLE,
  RTM_DELROUTE,
  IFINFOMSG_LEN,
  RTM_DELLINK,
  RTM_DELNEXTHOP,
  RTM_GETROUTE,
  RTM_NEWLINK,
  RTM_NEWNEXTHOP,
  RTM_NEWROUTE,
  RTMSG_LEN,
  RTN_UNICAST,
  RTNH_LEN,
  RTPROT_MAGNETITE,
} from "./constants.js";
import {
  align4,
  decodeAttrs,
  encodeMessage,
  HOST_LE,
  hostView,
  type NetlinkDecodeError,
  type NlMessage,
  readU32,
} from "./netlink.js";
import { decodeNexthopObject, gatewayBytes, type KernelNexthopObject } from "./nexthop-codec.js";
import type { RouteKey } from "./routes.js";

/** One nexthop of a route. */
export interface KernelNexthop {
  /** Gateway address text (canonical), or null for a directly connected route. */
  readonly gateway: string | null;
  readonly ifIndex: number;
  /** ECMP weight 1..256 (rtnh_hops + 1); 1 when unspecified. */
  readonly weight: number;
}

/** A route as we program and read it. */
export interface KernelRoute {
  readonly family: 4 | 6;
  /** Destination network address text (canonical). */
  readonly dst: string;
  readonly dstLen: number;
  readonly table: number;
  readonly protocol: number;
  /** RTA_PRIORITY (the metric), if any. */
  readonly priority: number | null;
  readonly scope: number;
  readonly type: number;
  /**
   * What the route forwards through: its own gateways, or (`nhId` set) the
   * nexthop object's, resolved by the table that read it.
   */
  readonly nexthops: readonly KernelNexthop[];
  /** RTA_NH_ID: the nexthop object the route names, or null for inline gateways. */
  readonly nhId: number | null;
}

/** Fields a caller supplies for a route of ours; the rest have defaults. */
export interface RouteSpec {
  readonly family: 4 | 6;
  readonly dst: string;
  readonly dstLen: number;
  readonly nexthops: readonly KernelNexthop[];
  readonly table?: number;
  readonly priority?: number | undefined;
}

/** Encoding failures: programmer or config input, never kernel input. */
export type RouteEncodeCode =
  | "NL_E_BAD_ADDRESS"
  | "NL_E_BAD_PREFIX_LEN"
  | "NL_E_BAD_WEIGHT"
  /** The request does not fit one netlink datagram (a multipath set of thousands). */
  | "NL_E_TOO_LARGE";

/** What `writeRouteAt` returns when the request does not fit before `limit`. */
export const NO_ROOM = -1;
const BAD_PREFIX_LEN = -2;
const BAD_ADDRESS = -3;
const BAD_WEIGHT = -4;

/** The failure a negative `writeRouteAt` result other than `NO_ROOM` stands for. */
export function writeRouteError(code: number): RouteEncodeCode {
  return code === BAD_PREFIX_LEN
    ? "NL_E_BAD_PREFIX_LEN"
    : code === BAD_WEIGHT
      ? "NL_E_BAD_WEIGHT"
      : "NL_E_BAD_ADDRESS";
}

/** Gateway bytes of the request being written (`writeRouteAt`), reused. */
let gwScratch: (Uint8Array | null)[] = [];

/** Write an address's bytes at `o`: from `GROUPS` for IPv6 (just parsed), from `v4` for IPv4. */
function putAddr(out: Uint8Array, o: number, family: 4 | 6, v4: Uint8Array | null): void {
  if (family === 4) {
    if (v4 !== null) out.set(v4, o);
    return;
  }
  for (let g = 0; g < 8; g++) {
    const v = GROUPS[g] ?? 0;
    out[o + 2 * g] = v >> 8;
    out[o + 2 * g + 1] = v & 0xff;
  }
}

/** An rtattr header at `o` for a body of `bodyLen` bytes; returns where the body goes. */
function attr(dv: DataView, o: number, type: number, bodyLen: number): number {
  dv.setUint16(o, 4 + bodyLen, HOST_LE);
  dv.setUint16(o + 2, type, HOST_LE);
  return o + 4;
}

/** A u32 attribute at `o`; returns the offset after it. */
function u32Attr(dv: DataView, o: number, type: number, v: number): number {
  dv.setUint32(attr(dv, o, type, 4), v >>> 0, HOST_LE);
  return o + 8;
}

/**
 * Check a route request and write it at `at` in `out` (whose host-order
 * view is `dv`), in place: nlmsghdr, rtmsg, RTA_DST, RTA_TABLE, RTA_PRIORITY
 * (`priority`, unless null), then either RTA_GATEWAY + RTA_OIF (one nexthop
 * of weight 1) or RTA_MULTIPATH; nexthops only `withNexthops`. Returns the
 * offset after it; `NO_ROOM` when it would pass `limit` (nothing written);
 * another negative code (`writeRouteError`) for a bad route. Every
 * attribute here is a multiple of 4 bytes, so no padding is needed. With
 * `nhId` (> 0) and `withNexthops`, the route names that nexthop object
 * (RTA_NH_ID) instead of carrying its gateways. A
 * request costs no allocation: the batch path (`netlink-table.ts`) packs
 * tens of thousands into reused datagrams.
 */
export function writeRouteAt(
  out: Uint8Array,
  dv: DataView,
  at: number,
  limit: number,
  type: number,
  flags: number,
  spec: RouteKey & { readonly nexthops?: readonly KernelNexthop[] },
  priority: number | null,
  withNexthops: boolean,
  seq: number,
  nhId = 0,
): number {
  const family = spec.family;
  const max = family === 6 ? 128 : 32;
  const dstLen = spec.dstLen;
  if (!Number.isInteger(dstLen) || dstLen < 0 || dstLen > max) return BAD_PREFIX_LEN;
  const byObject = withNexthops && nhId > 0;
  const nhs = withNexthops && !byObject ? (spec.nexthops ?? []) : [];
  const alen = family === 6 ? 16 : 4;
  // Gateways first (their bytes are cached), then the destination, which for
  // IPv6 is parsed into GROUPS and must be written before anything parses again.
  const gws = gwScratch;
  gws.length = 0;
  let nhLen = 0;
  for (const nh of nhs) {
    if (!Number.isInteger(nh.weight) || nh.weight < 1 || nh.weight > 256) return BAD_WEIGHT;
    const g = nh.gateway === null ? null : gatewayBytes(family, nh.gateway);
    if (nh.gateway !== null && g === null) return BAD_ADDRESS;
    gws.push(g);
    nhLen += RTNH_LEN + (g === null ? 0 : 4 + alen);
  }
  const single = nhs.length === 1 && nhs[0]?.weight === 1;
  if (single) nhLen = (gws[0] === null ? 0 : 4 + alen) + 8;
  else if (nhs.length > 0) nhLen += 4;
  else if (byObject) nhLen = 8;
  const len =
    NLMSG_HDRLEN + RTMSG_LEN + (dstLen > 0 ? 4 + alen : 0) + 8 + (priority === null ? 0 : 8) + nhLen;
  if (at + len > limit) return NO_ROOM;
  let v4: Uint8Array | null = null;
  if (family === 6) {
    if (readGroups(spec.dst) < 0) return BAD_ADDRESS;
  } else {
    v4 = ipv4Bytes(spec.dst);
    if (v4 === null) return BAD_ADDRESS;
  }
  const table = spec.table ?? RT_TABLE_MAIN;
  dv.setUint32(at, len, HOST_LE);
  dv.setUint16(at + 4, type, HOST_LE);
  dv.setUint16(at + 6, flags, HOST_LE);
  dv.setUint32(at + 8, seq >>> 0, HOST_LE);
  // nlmsg_pid 0: the kernel fills in our port.
  dv.setUint32(at + 12, 0, HOST_LE);
  let o = at + NLMSG_HDRLEN;
  out.fill(0, o, o + RTMSG_LEN);
  out[o] = family === 6 ? AF_INET6 : AF_INET;
  out[o + 1] = dstLen;
  out[o + 4] = table > 255 ? RT_TABLE_COMPAT : table;
  out[o + 5] = RTPROT_MAGNETITE;
  out[o + 6] = RT_SCOPE_UNIVERSE;
  out[o + 7] = RTN_UNICAST;
  o += RTMSG_LEN;
  // A default route carries no RTA_DST (dst_len 0 says it all).
  if (dstLen > 0) {
    putAddr(out, attr(dv, o, RTA_DST, alen), family, v4);
    o += 4 + alen;
  }
  o = u32Attr(dv, o, RTA_TABLE, table);
  if (priority !== null) o = u32Attr(dv, o, RTA_PRIORITY, priority);
  if (byObject) o = u32Attr(dv, o, RTA_NH_ID, nhId);
  else if (single) {
    const g = gws[0] ?? null;
    if (g !== null) {
      out.set(g, attr(dv, o, RTA_GATEWAY, alen));
      o += 4 + alen;
    }
    o = u32Attr(dv, o, RTA_OIF, nhs[0]?.ifIndex ?? 0);
  } else if (gws.length > 0) {
    o = attr(dv, o, RTA_MULTIPATH, nhLen - 4);
    for (let i = 0; i < gws.length; i++) {
      const g = gws[i] ?? null;
      const nh = nhs[i];
      dv.setUint16(o, RTNH_LEN + (g === null ? 0 : 4 + alen), HOST_LE);
      out[o + 2] = 0; // rtnh_flags
      out[o + 3] = (nh?.weight ?? 1) - 1; // rtnh_hops
      dv.setInt32(o + 4, nh?.ifIndex ?? 0, HOST_LE);
      o += RTNH_LEN;
      if (g !== null) {
        out.set(g, attr(dv, o, RTA_GATEWAY, alen));
        o += 4 + alen;
      }
    }
  }
  if (gws.length > 64) gwScratch = []; // do not keep a huge ECMP set's array alive
  return o;
}

/** Flags of a replace: create the route or replace its whole nexthop set. */
export const REPLACE_FLAGS = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE;
/** Flags of a delete (nexthops are not sent, so the whole route goes). */
export const DELETE_FLAGS = NLM_F_REQUEST;

/** One request encoded alone (the single-request path); a batch writes in place instead. */
const single = new Uint8Array(64 * 1024);
const singleView = hostView(single);

function encodeRoute(
  type: number,
  flags: number,
  spec: RouteSpec,
  withNexthops: boolean,
  seq: number,
): Result<Uint8Array, RouteEncodeCode> {
  const end = writeRouteAt(
    single,
    singleView,
    0,
    single.length,
    type,
    flags,
    spec,
    spec.priority ?? null,
    withNexthops,
    seq,
  );
  if (end === NO_ROOM) return err("NL_E_TOO_LARGE");
  if (end < 0) return err(writeRouteError(end));
  return ok(single.slice(0, end));
}

/**
 * RTM_NEWROUTE with REQUEST|ACK|CREATE|REPLACE: create the route or replace
 * its whole nexthop set (the kernel answers with an NLMSG_ERROR ack).
 */
export function encodeReplaceRoute(spec: RouteSpec, seq: number): Result<Uint8Array, RouteEncodeCode> {
  return encodeRoute(RTM_NEWROUTE, REPLACE_FLAGS | NLM_F_ACK, spec, true, seq);
}

/**
 * RTM_DELROUTE with REQUEST|ACK for our route to `dst/dstLen` in `table`,
 * matching on our protocol. Nexthops are not sent, so the whole route goes.
 */
export function encodeDeleteRoute(
  spec: Omit<RouteSpec, "nexthops">,
  seq: number,
): Result<Uint8Array, RouteEncodeCode> {
  return encodeRoute(RTM_DELROUTE, DELETE_FLAGS | NLM_F_ACK, { ...spec, nexthops: [] }, false, seq);
}

/** RTM_GETROUTE with REQUEST|DUMP for one family (an rtmsg with only the family set). */
export function encodeDumpRoutes(family: 4 | 6, seq: number): Uint8Array {
  const b = new Uint8Array(RTMSG_LEN);
  b[0] = family === 6 ? AF_INET6 : AF_INET;
  return encodeMessage(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, seq, 0, b);
}

/** One decoded message from the kernel. */
export type RouteReply =
  | { readonly kind: "route"; readonly seq: number; readonly op: "new" | "del"; readonly route: KernelRoute }
  | { readonly kind: "ack"; readonly seq: number }
  /** `errno` is positive (the kernel sends it negated); `message` is the extended ack text, if any. */
  | { readonly kind: "error"; readonly seq: number; readonly errno: number; readonly message: string | null }
  | { readonly kind: "done"; readonly seq: number }
  /** A link's state (an RTNLGRP_LINK notification): its index and `IFF_*` flags; `del` when it is gone. */
  | {
      readonly kind: "link";
      readonly seq: number;
      readonly op: "new" | "del";
      readonly ifIndex: number;
      readonly flags: number;
    }
  /** A nexthop object: a dump entry, or a notification (RTNLGRP_NEXTHOP) of a change or deletion. */
  | {
      readonly kind: "nexthop";
      readonly seq: number;
      readonly op: "new" | "del";
      readonly object: KernelNexthopObject;
    }
  /** A message type we do not interpret (NOOP, a non-route family, …). */
  | { readonly kind: "other"; readonly seq: number; readonly type: number };

const utf8 = new TextDecoder("utf-8", { fatal: false });
const short = (offset: number, detail: string): Result<never, NetlinkDecodeError> =>
  err({ code: "NL_E_TRUNCATED_PAYLOAD", offset, detail });

function decodeError(m: NlMessage): Result<RouteReply, NetlinkDecodeError> {
  // struct nlmsgerr: int error; struct nlmsghdr msg; then (capped) TLVs or the original payload.
  if (m.payload.length < 4 + NLMSG_HDRLEN) return short(NLMSG_HDRLEN, "nlmsgerr");
  const dv = hostView(m.payload);
  const code = dv.getInt32(0, HOST_LE);
  if (code === 0) return ok({ kind: "ack", seq: m.seq });
  let message: string | null = null;
  if ((m.flags & NLM_F_ACK_TLVS) !== 0) {
    const origLen = dv.getUint32(4, HOST_LE);
    const tlvAt = 4 + ((m.flags & NLM_F_CAPPED) !== 0 ? NLMSG_HDRLEN : align4(origLen));
    if (tlvAt <= m.payload.length) {
      const attrs = decodeAttrs(m.payload.subarray(tlvAt), NLMSG_HDRLEN + tlvAt);
      if (!attrs.ok) return attrs;
      const msg = attrs.value.find((a) => a.type === NLMSGERR_ATTR_MSG);
      if (msg !== undefined) message = utf8.decode(msg.value).replace(/\0+$/, "");
    }
  }
  return ok({ kind: "error", seq: m.seq, errno: -code, message });
}

function decodeAddr(family: 4 | 6, v: Uint8Array, offset: number): Result<string, NetlinkDecodeError> {
  const want = family === 6 ? 16 : 4;
  if (v.length !== want) return short(offset, `address of ${v.length} bytes`);
  return ok(family === 6 ? formatIpv6(v) : formatIpv4(v));
}

function decodeMultipath(
  family: 4 | 6,
  b: Uint8Array,
  offset: number,
): Result<KernelNexthop[], NetlinkDecodeError> {
  const out: KernelNexthop[] = [];
  let off = 0;
  const dv = hostView(b);
  while (off < b.length) {
    if (b.length - off < RTNH_LEN) return short(offset + off, "rtnexthop");
    const len = dv.getUint16(off, HOST_LE);
    if (len < RTNH_LEN || len > b.length - off)
      return err({ code: "NL_E_BAD_ATTR", offset: offset + off, detail: `rtnh_len ${len}` });
    const attrs = decodeAttrs(b.subarray(off + RTNH_LEN, off + len), offset + off + RTNH_LEN);
    if (!attrs.ok) return attrs;
    let gateway: string | null = null;
    for (const a of attrs.value) {
      if (a.type !== RTA_GATEWAY) continue;
      const g = decodeAddr(family, a.value, a.offset);
      if (!g.ok) return g;
      gateway = g.value;
    }
    out.push({ gateway, ifIndex: dv.getInt32(off + 4, HOST_LE), weight: (b[off + 3] ?? 0) + 1 });
    off += align4(len);
  }
  return ok(out);
}

function decodeRoute(m: NlMessage): Result<RouteReply, NetlinkDecodeError> {
  if (m.payload.length < RTMSG_LEN) return short(NLMSG_HDRLEN, "rtmsg");
  const p = m.payload;
  const fam = p[0];
  if (fam !== AF_INET && fam !== AF_INET6) return ok({ kind: "other", seq: m.seq, type: m.type });
  const family: 4 | 6 = fam === AF_INET6 ? 6 : 4;
  const attrs = decodeAttrs(p.subarray(RTMSG_LEN), NLMSG_HDRLEN + RTMSG_LEN);
  if (!attrs.ok) return attrs;
  let dst = family === 6 ? "::" : "0.0.0.0";
  let table = p[4] ?? 0;
  let priority: number | null = null;
  let gateway: string | null = null;
  let oif = 0;
  let multipath: KernelNexthop[] | null = null;
  let nhId: number | null = null;
  for (const a of attrs.value) {
    switch (a.type) {
      case RTA_DST: {
        const d = decodeAddr(family, a.value, a.offset);
        if (!d.ok) return d;
        dst = d.value;
        break;
      }
      case RTA_GATEWAY: {
        const g = decodeAddr(family, a.value, a.offset);
        if (!g.ok) return g;
        gateway = g.value;
        break;
      }
      case RTA_OIF:
      case RTA_TABLE:
      case RTA_PRIORITY:
      case RTA_NH_ID: {
        const n = readU32(a.value);
        if (n === null) return short(a.offset, `u32 attribute ${a.type}`);
        if (a.type === RTA_OIF) oif = n;
        else if (a.type === RTA_TABLE) table = n;
        else if (a.type === RTA_NH_ID) nhId = n;
        else priority = n;
        break;
      }
      case RTA_MULTIPATH: {
        const mp = decodeMultipath(family, a.value, a.offset);
        if (!mp.ok) return mp;
        multipath = mp.value;
        break;
      }
      default:
        break; // RTA_CACHEINFO, RTA_PREF, … are not ours to interpret
    }
  }
  const nexthops = multipath ?? (gateway !== null || oif !== 0 ? [{ gateway, ifIndex: oif, weight: 1 }] : []);
  return ok({
    kind: "route",
    seq: m.seq,
    op: m.type === RTM_NEWROUTE ? "new" : "del",
    route: {
      family,
      dst,
      dstLen: p[1] ?? 0,
      table,
      protocol: p[5] ?? 0,
      priority,
      scope: p[6] ?? 0,
      type: p[7] ?? 0,
      nexthops,
      nhId,
    },
  });
}

/**
 * Decode everything in one datagram from the kernel. Total. A plain ack
 * (NLMSG_ERROR with error 0) is read in place: a 30,000-route burst brings
 * 30,000 of them, and a payload view and DataView each was most of their cost.
 */
export function decodeReplies(buf: Uint8Array): Result<RouteReply[], NetlinkDecodeError> {
  const out: RouteReply[] = [];
  const dv = hostView(buf);
  let off = 0;
  while (off < buf.length) {
    // Header checks as `decodeMessages` makes them.
    if (buf.length - off < NLMSG_HDRLEN) return err({ code: "NL_E_TRUNCATED_HEADER", offset: off });
    const len = dv.getUint32(off, HOST_LE);
    if (len < NLMSG_HDRLEN)
      return err({ code: "NL_E_TRUNCATED_HEADER", offset: off, detail: `nlmsg_len ${len}` });
    if (len > buf.length - off)
      return err({ code: "NL_E_BAD_LENGTH", offset: off, detail: `nlmsg_len ${len}` });
    const type = dv.getUint16(off + 4, HOST_LE);
    const seq = dv.getUint32(off + 8, HOST_LE);
    if (
      type === NLMSG_ERROR &&
      len >= 2 * NLMSG_HDRLEN + 4 &&
      dv.getInt32(off + NLMSG_HDRLEN, HOST_LE) === 0
    ) {
      out.push({ kind: "ack", seq });
      off += align4(len);
      continue;
    }
    const m: NlMessage = {
      type,
      flags: dv.getUint16(off + 6, HOST_LE),
      seq,
      pid: dv.getUint32(off + 12, HOST_LE),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    };
    off += align4(len);
    let r: Result<RouteReply, NetlinkDecodeError>;
    if (type === NLMSG_ERROR) r = decodeError(m);
    else if (type === NLMSG_DONE) r = ok({ kind: "done", seq });
    else if (type === RTM_NEWROUTE || type === RTM_DELROUTE) r = decodeRoute(m);
    else if (type === RTM_NEWLINK || type === RTM_DELLINK) {
      if (m.payload.length < IFINFOMSG_LEN) return short(NLMSG_HDRLEN, "ifinfomsg");
      const p = hostView(m.payload);
      r = ok({
        kind: "link",
        seq,
        op: type === RTM_NEWLINK ? "new" : "del",
        ifIndex: p.getInt32(4, HOST_LE),
        flags: p.getUint32(8, HOST_LE),
      });
    } else if (type === RTM_NEWNEXTHOP || type === RTM_DELNEXTHOP) {
      const o = decodeNexthopObject(m);
      r = o.ok
        ? ok({ kind: "nexthop", seq, op: type === RTM_NEWNEXTHOP ? "new" : "del", object: o.value })
        : o;
    } else r = ok({ kind: "other", seq, type });
    if (!r.ok) return r;
    out.push(r.value);
  }
  return ok(out);
}
