/**
 * ICMP / ICMPv6 echo messages (RFC 792 "Echo or Echo Reply Message",
 * RFC 4443 §4.1-4.2). Pure and total: decoding never throws, it returns a
 * result with a typed error code.
 *
 * Layout (both families): type u8, code u8, checksum u16, identifier u16,
 * sequence u16, then the data echoed back unchanged.
 */

/** Outcome of a decoder. */
export type DecodeResult<T, C extends string> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: { readonly code: C; readonly detail: string } };

export const ICMP_ECHO_REQUEST = 8;
export const ICMP_ECHO_REPLY = 0;
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;
/** Echo header length in bytes. */
export const ECHO_HEADER_LENGTH = 8;

/** A decoded echo reply. */
export interface EchoMessage {
  readonly type: number;
  readonly identifier: number;
  readonly sequence: number;
  readonly payload: Buffer;
  /** TTL from the IPv4 header when the datagram carried one (raw IPv4 sockets). */
  readonly ttl: number | undefined;
}

export type EchoDecodeError = "too-short" | "bad-ip-header" | "not-echo-reply" | "bad-checksum";

/** RFC 1071 Internet checksum: one's-complement of the one's-complement sum of 16-bit words. */
export function internetChecksum(bytes: Uint8Array): number {
  let sum = 0;
  const n = bytes.length;
  for (let i = 0; i + 1 < n; i += 2) sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  if (n % 2 === 1) sum += (bytes[n - 1] ?? 0) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * Encodes an echo request. For IPv4 the checksum is filled in (raw sockets
 * need it; ping sockets overwrite it). ICMPv6 checksums cover a pseudo-header
 * with addresses the kernel picks, and the kernel always computes them on
 * ICMPv6 raw and ping sockets (RFC 3542 §3.1), so it is left zero.
 */
export function encodeEchoRequest(
  family: 4 | 6,
  identifier: number,
  sequence: number,
  payload: Uint8Array,
): Buffer {
  const b = Buffer.alloc(ECHO_HEADER_LENGTH + payload.length);
  b[0] = family === 4 ? ICMP_ECHO_REQUEST : ICMPV6_ECHO_REQUEST;
  b[1] = 0;
  b.writeUInt16BE(identifier & 0xffff, 4);
  b.writeUInt16BE(sequence & 0xffff, 6);
  b.set(payload, ECHO_HEADER_LENGTH);
  if (family === 4) b.writeUInt16BE(internetChecksum(b), 2);
  return b;
}

/**
 * Decodes an echo reply. `withIpHeader` is true for raw IPv4 sockets, which
 * deliver the IPv4 header in front of the ICMP message (raw(7)); there the
 * ICMP checksum is verified too, because raw sockets see the packet before
 * the ICMP layer checks it.
 */
export function decodeEchoReply(
  family: 4 | 6,
  bytes: Buffer,
  withIpHeader: boolean,
): DecodeResult<EchoMessage, EchoDecodeError> {
  let icmp = bytes;
  let ttl: number | undefined;
  if (withIpHeader) {
    if (bytes.length < 20 || (bytes[0] ?? 0) >> 4 !== 4) {
      return { ok: false, error: { code: "bad-ip-header", detail: "not an IPv4 header" } };
    }
    const ihl = ((bytes[0] ?? 0) & 0x0f) * 4;
    if (ihl < 20 || bytes.length < ihl) {
      return { ok: false, error: { code: "bad-ip-header", detail: `header length ${ihl}` } };
    }
    ttl = bytes[8];
    icmp = bytes.subarray(ihl);
  }
  if (icmp.length < ECHO_HEADER_LENGTH) {
    return { ok: false, error: { code: "too-short", detail: `${icmp.length} bytes` } };
  }
  const type = icmp[0] ?? 0;
  const want = family === 4 ? ICMP_ECHO_REPLY : ICMPV6_ECHO_REPLY;
  if (type !== want || icmp[1] !== 0) {
    return { ok: false, error: { code: "not-echo-reply", detail: `type ${type} code ${icmp[1]}` } };
  }
  if (withIpHeader && internetChecksum(icmp) !== 0) {
    return { ok: false, error: { code: "bad-checksum", detail: "ICMP checksum mismatch" } };
  }
  return {
    ok: true,
    value: {
      type,
      identifier: icmp.readUInt16BE(4),
      sequence: icmp.readUInt16BE(6),
      payload: icmp.subarray(ECHO_HEADER_LENGTH),
      ttl,
    },
  };
}
