/**
 * The few rtnetlink bytes the dgram-extended tests need (rtnetlink(7),
 * netlink(7)): nlmsghdr, rtmsg, ifinfomsg and rtattr, in host byte order.
 * Test support only; the real codec belongs to dataplane/kernel/.
 */
import { endianness } from "node:os";
import type { NetlinkSocket } from "dgram-extended";

const LE = endianness() === "LE";

export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const NLM_F_DUMP = 0x300;
export const RTM_NEWLINK = 16;
export const RTM_GETLINK = 18;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;
export const RTA_DST = 1;
export const RTA_OIF = 4;
export const IFLA_IFNAME = 3;
export const RT_TABLE_MAIN = 254;
export const RTPROT_STATIC = 4;
export const RTN_UNICAST = 1;
export const RTNLGRP_IPV4_ROUTE = 7;
export const RTNLGRP_IPV6_ROUTE = 11;
export const AF_INET = 2;
export const AF_INET6 = 10;

function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  if (LE) b.writeUInt16LE(v);
  else b.writeUInt16BE(v);
  return b;
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  if (LE) b.writeUInt32LE(v >>> 0);
  else b.writeUInt32BE(v >>> 0);
  return b;
}

function rd16(b: Buffer, o: number): number {
  return LE ? b.readUInt16LE(o) : b.readUInt16BE(o);
}

function rd32(b: Buffer, o: number): number {
  return LE ? b.readUInt32LE(o) : b.readUInt32BE(o);
}

const align4 = (n: number): number => (n + 3) & ~3;

/** One route attribute, padded to 4 bytes. */
export function rtattr(type: number, data: Buffer): Buffer {
  const len = 4 + data.length;
  return Buffer.concat([u16(len), u16(type), data, Buffer.alloc(align4(len) - len)]);
}

/** A whole netlink message: header + body. */
export function nlmsg(type: number, flags: number, seq: number, body: Buffer): Buffer {
  return Buffer.concat([u32(16 + body.length), u16(type), u16(flags), u32(seq), u32(0), body]);
}

/** struct rtmsg (12 bytes). */
export function rtmsg(o: {
  family: number;
  dstLen?: number;
  table?: number;
  protocol?: number;
  type?: number;
}): Buffer {
  const b = Buffer.alloc(12);
  b[0] = o.family;
  b[1] = o.dstLen ?? 0;
  b[4] = o.table ?? 0;
  b[5] = o.protocol ?? 0;
  b[6] = 0; // RT_SCOPE_UNIVERSE
  b[7] = o.type ?? 0;
  return b;
}

/** struct ifinfomsg (16 bytes), all zero but the family. */
export function ifinfomsg(family = 0): Buffer {
  const b = Buffer.alloc(16);
  b[0] = family;
  return b;
}

export function int32Attr(type: number, v: number): Buffer {
  return rtattr(type, u32(v));
}

/** A parsed netlink message. */
export interface Nlmsg {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly body: Buffer;
}

/** Splits one datagram into messages (NLMSG_ALIGN = 4). */
export function splitMessages(d: Buffer): Nlmsg[] {
  const out: Nlmsg[] = [];
  let o = 0;
  while (o + 16 <= d.length) {
    const len = rd32(d, o);
    if (len < 16 || o + len > d.length) break;
    out.push({
      type: rd16(d, o + 4),
      flags: rd16(d, o + 6),
      seq: rd32(d, o + 8),
      body: d.subarray(o + 16, o + len),
    });
    o += align4(len);
  }
  return out;
}

/** The errno of an NLMSG_ERROR body (0 for an ACK). */
export function errorCode(body: Buffer): number {
  return LE ? body.readInt32LE(0) : body.readInt32BE(0);
}

/** Attributes after a fixed header of `skip` bytes. */
export function attributes(body: Buffer, skip: number): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  let o = skip;
  while (o + 4 <= body.length) {
    const len = rd16(body, o);
    if (len < 4 || o + len > body.length) break;
    m.set(rd16(body, o + 2), body.subarray(o + 4, o + len));
    o += align4(len);
  }
  return m;
}

export function readU32(b: Buffer): number {
  return rd32(b, 0);
}

/**
 * Sends `request` and collects the reply messages carrying `seq` until
 * NLMSG_DONE or NLMSG_ERROR (bounded by `timeoutMs`).
 */
export function exchange(
  sock: NetlinkSocket,
  request: Buffer,
  seq: number,
  timeoutMs = 2000,
): Promise<Nlmsg[]> {
  return new Promise((resolve, reject) => {
    const got: Nlmsg[] = [];
    const timer = setTimeout(() => {
      sock.off("message", onMessage);
      reject(new Error(`netlink seq ${seq}: no reply within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (d: { data: Buffer }): void => {
      for (const m of splitMessages(d.data)) {
        if (m.seq !== seq) continue;
        got.push(m);
        if (m.type === NLMSG_DONE || m.type === NLMSG_ERROR) {
          clearTimeout(timer);
          sock.off("message", onMessage);
          resolve(got);
          return;
        }
      }
    };
    sock.on("message", onMessage);
    sock.send(request);
  });
}
