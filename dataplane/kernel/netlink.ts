/**
 * Generic netlink framing: `nlmsghdr` messages and `rtattr` TLVs, in host
 * byte order as the kernel expects (netlink(7)); addresses inside attributes
 * stay in network order. Every length is 4-byte aligned (NLMSG_ALIGN,
 * RTA_ALIGN). Decoders are total: any byte string yields a value or a typed
 * error, never an exception.
 */
import { endianness } from "node:os";
import { err, ok, type Result } from "../../protocols/common/result.js";
import { NLMSG_HDRLEN, RTA_HDRLEN } from "./constants.js";

/** True on little-endian hosts (x86-64, arm64); netlink integers use host order. */
export const HOST_LE = endianness() === "LE";

/** Round up to the 4-byte netlink alignment. */
export const align4 = (n: number): number => (n + 3) & ~3;

/** Decode failure codes. */
export type NetlinkDecodeCode =
  /** Fewer bytes than a header, or nlmsg_len shorter than the header. */
  | "NL_E_TRUNCATED_HEADER"
  /** nlmsg_len runs past the end of the buffer. */
  | "NL_E_BAD_LENGTH"
  /** An attribute's length is shorter than its header or runs past its container. */
  | "NL_E_BAD_ATTR"
  /** A fixed-size payload (rtmsg, nlmsgerr, rtnexthop, an address) is too short or the wrong size. */
  | "NL_E_TRUNCATED_PAYLOAD";

/** A typed decode error with the byte offset it was found at. */
export interface NetlinkDecodeError {
  readonly code: NetlinkDecodeCode;
  readonly offset: number;
  readonly detail?: string;
}

/** One netlink message. */
export interface NlMessage {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
  /** The bytes after the header, up to nlmsg_len (padding excluded). */
  readonly payload: Uint8Array;
}

/** One attribute. */
export interface Attr {
  readonly type: number;
  readonly value: Uint8Array;
  /** Where `value` starts, relative to the `base` given to `decodeAttrs` (for error offsets). */
  readonly offset: number;
}

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Encode one message: header plus payload, padded to 4 bytes. */
export function encodeMessage(
  type: number,
  flags: number,
  seq: number,
  pid: number,
  payload: Uint8Array,
): Uint8Array {
  const len = NLMSG_HDRLEN + payload.length;
  const out = new Uint8Array(align4(len));
  const dv = view(out);
  dv.setUint32(0, len, HOST_LE);
  dv.setUint16(4, type, HOST_LE);
  dv.setUint16(6, flags, HOST_LE);
  dv.setUint32(8, seq >>> 0, HOST_LE);
  dv.setUint32(12, pid >>> 0, HOST_LE);
  out.set(payload, NLMSG_HDRLEN);
  return out;
}

/** Split a received datagram into its messages (a dump packs several). */
export function decodeMessages(buf: Uint8Array): Result<NlMessage[], NetlinkDecodeError> {
  const out: NlMessage[] = [];
  let off = 0;
  const dv = view(buf);
  while (off < buf.length) {
    if (buf.length - off < NLMSG_HDRLEN) return err({ code: "NL_E_TRUNCATED_HEADER", offset: off });
    const len = dv.getUint32(off, HOST_LE);
    if (len < NLMSG_HDRLEN)
      return err({ code: "NL_E_TRUNCATED_HEADER", offset: off, detail: `nlmsg_len ${len}` });
    if (len > buf.length - off)
      return err({ code: "NL_E_BAD_LENGTH", offset: off, detail: `nlmsg_len ${len}` });
    out.push({
      type: dv.getUint16(off + 4, HOST_LE),
      flags: dv.getUint16(off + 6, HOST_LE),
      seq: dv.getUint32(off + 8, HOST_LE),
      pid: dv.getUint32(off + 12, HOST_LE),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return ok(out);
}

/** Encode one attribute, padded to 4 bytes. */
export function encodeAttr(type: number, value: Uint8Array): Uint8Array {
  const len = RTA_HDRLEN + value.length;
  const out = new Uint8Array(align4(len));
  const dv = view(out);
  dv.setUint16(0, len, HOST_LE);
  dv.setUint16(2, type, HOST_LE);
  out.set(value, RTA_HDRLEN);
  return out;
}

/** A u32 attribute in host order. */
export function u32Attr(type: number, n: number): Uint8Array {
  const v = new Uint8Array(4);
  view(v).setUint32(0, n >>> 0, HOST_LE);
  return encodeAttr(type, v);
}

/** Read a host-order u32 from a 4-byte attribute value, or null. */
export function readU32(v: Uint8Array): number | null {
  return v.length === 4 ? view(v).getUint32(0, HOST_LE) : null;
}

/** Parse a run of attributes; `base` is only used to report offsets. */
export function decodeAttrs(b: Uint8Array, base = 0): Result<Attr[], NetlinkDecodeError> {
  const out: Attr[] = [];
  const dv = view(b);
  let off = 0;
  while (off < b.length) {
    if (b.length - off < RTA_HDRLEN)
      return err({ code: "NL_E_BAD_ATTR", offset: base + off, detail: "short header" });
    const len = dv.getUint16(off, HOST_LE);
    if (len < RTA_HDRLEN || len > b.length - off) {
      return err({ code: "NL_E_BAD_ATTR", offset: base + off, detail: `rta_len ${len}` });
    }
    // The top two type bits are NLA_F_NESTED / NLA_F_NET_BYTEORDER, not part of the type.
    out.push({
      type: dv.getUint16(off + 2, HOST_LE) & 0x3fff,
      value: b.subarray(off + RTA_HDRLEN, off + len),
      offset: base + off + RTA_HDRLEN,
    });
    off += align4(len);
  }
  return ok(out);
}

/** Concatenate byte strings. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Host-order u16/u32 helpers for fixed structs. */
export const hostView = view;
