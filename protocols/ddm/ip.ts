/**
 * IP address and prefix text parsing for DDM. Addresses are parsed once at the
 * edge (wire JSON, admin API) into a canonical form so that route keys compare
 * by value: `fd00:0001::` and `fd00:1::` are the same destination. IPv6 text is
 * canonicalised per RFC 5952 §4 (lower case, no leading zeros, the longest run
 * of two or more zero groups compressed, the first such run on a tie).
 *
 * Pure: no `node:net`, because `protocols/` is sans-io.
 */
import type { Brand } from "../common/brand.js";
import { err, ok, type Result } from "../common/result.js";

/** A canonical (RFC 5952) IPv6 address in text form. */
export type Ipv6Addr = Brand<string, "Ipv6Addr">;
/** A canonical dotted-quad IPv4 address. */
export type Ipv4Addr = Brand<string, "Ipv4Addr">;

/** An IPv6 prefix. Host bits are kept as received (see `parseIpv6Net`). */
export interface Ipv6Net {
  readonly addr: Ipv6Addr;
  /** 0..128 */
  readonly len: number;
}

/** An IPv4 prefix. */
export interface Ipv4Net {
  readonly addr: Ipv4Addr;
  /** 0..32 */
  readonly len: number;
}

/** Either family, tagged (tunnel overlay prefixes may be v4 or v6). */
export type IpNet = ({ readonly family: 4 } & Ipv4Net) | ({ readonly family: 6 } & Ipv6Net);

/** Why a piece of address text was rejected. */
export type IpParseError = "BAD_IPV6" | "BAD_IPV4" | "BAD_PREFIX_LEN" | "BAD_CIDR";

import {
  GROUPS,
  canonicalIpv6 as canonicalText,
  formatGroups,
  formatIpv4 as formatIpv4Text,
  formatIpv6 as formatIpv6Text,
  ipv4Bytes,
  ipv6Bytes,
  readGroups,
} from "../common/ip-text.js";

export { ipv4Bytes, ipv6Bytes };

/** The canonical (RFC 5952) form of IPv6 text: the text itself when already canonical; null when not an address. */
export function canonicalIpv6(text: string): Ipv6Addr | null {
  return canonicalText(text) as Ipv6Addr | null;
}

/** Format 16 bytes as canonical RFC 5952 text. */
export function formatIpv6(bytes: Uint8Array): Ipv6Addr {
  return formatIpv6Text(bytes) as Ipv6Addr;
}

/** Format 4 bytes as dotted-quad text. */
export function formatIpv4(bytes: Uint8Array): Ipv4Addr {
  return formatIpv4Text(bytes) as Ipv4Addr;
}

/** Parse and canonicalise IPv6 text. Zone ids (`%eth0`) are rejected: DDM carries none. */
export function parseIpv6(text: string): Result<Ipv6Addr, IpParseError> {
  const a = canonicalIpv6(text);
  return a === null ? err("BAD_IPV6") : ok(a);
}

/** Parse dotted-quad IPv4 text. */
export function parseIpv4(text: string): Result<Ipv4Addr, IpParseError> {
  const b = ipv4Bytes(text);
  return b === null ? err("BAD_IPV4") : ok(formatIpv4(b));
}

/** The 16 bytes of an already-canonical address (cannot fail for a branded value). */
export function ipv6ToBytes(a: Ipv6Addr): Uint8Array {
  return ipv6Bytes(a) ?? new Uint8Array(16);
}

/** The 4 bytes of an already-canonical IPv4 address. */
export function ipv4ToBytes(a: Ipv4Addr): Uint8Array {
  return ipv4Bytes(a) ?? new Uint8Array(4);
}

function parseLen(text: string, max: number): number | null {
  if (!/^(0|[1-9][0-9]{0,2})$/.test(text)) return null;
  const n = Number(text);
  return n <= max ? n : null;
}

/** Build an IPv6 prefix from parts, checking the length. */
export function ipv6Net(addr: Ipv6Addr, len: number): Result<Ipv6Net, IpParseError> {
  return Number.isInteger(len) && len >= 0 && len <= 128 ? ok({ addr, len }) : err("BAD_PREFIX_LEN");
}

/** Build an IPv4 prefix from parts, checking the length. */
export function ipv4Net(addr: Ipv4Addr, len: number): Result<Ipv4Net, IpParseError> {
  return Number.isInteger(len) && len >= 0 && len <= 32 ? ok({ addr, len }) : err("BAD_PREFIX_LEN");
}

/**
 * Parse `addr/len` IPv6 CIDR text (the v3 exchange and admin API form). Host
 * bits are not masked: maghemite's prefix type keeps them [I], and a withdraw
 * must match the announce it cancels byte for byte.
 */
export function parseIpv6Net(text: string): Result<Ipv6Net, IpParseError> {
  const slash = text.indexOf("/");
  if (slash < 0) return err("BAD_CIDR");
  const a = parseIpv6(text.slice(0, slash));
  if (!a.ok) return a;
  const len = parseLen(text.slice(slash + 1), 128);
  return len === null ? err("BAD_PREFIX_LEN") : ok({ addr: a.value, len });
}

/** Parse `addr/len` CIDR text of either family (v3 `TunnelOrigin.overlay_prefix`). */
export function parseIpNet(text: string): Result<IpNet, IpParseError> {
  const slash = text.indexOf("/");
  if (slash < 0) return err("BAD_CIDR");
  const addrText = text.slice(0, slash);
  if (addrText.includes(":")) {
    const n = parseIpv6Net(text);
    return n.ok ? ok({ family: 6, ...n.value }) : n;
  }
  const a = parseIpv4(addrText);
  if (!a.ok) return a;
  const len = parseLen(text.slice(slash + 1), 32);
  return len === null ? err("BAD_PREFIX_LEN") : ok({ family: 4, addr: a.value, len });
}

/** CIDR text of a prefix; also its identity key in maps and sets. */
export function formatNet(n: Ipv6Net | Ipv4Net): string {
  return `${n.addr}/${n.len}`;
}

/**
 * True when canonical text ending in `::` has nothing past the prefix: its
 * groups before the `::` are all within `len` bits (`fd00:1:2::/64`), the
 * usual shape of a route's destination, decided without parsing it.
 */
function noHostBits(n: Ipv6Net): boolean {
  const a: string = n.addr;
  const end = a.length - 2;
  if (end < 0 || a.charCodeAt(end) !== 0x3a || a.charCodeAt(end + 1) !== 0x3a) return false;
  if (end === 0) return true; // "::"
  let groups = 1;
  for (let i = 0; i < end; i++) if (a.charCodeAt(i) === 0x3a) groups += 1;
  return groups * 16 <= n.len;
}

/**
 * The network address of an IPv6 prefix as canonical text: the prefix's own
 * address (no new string) when it has no host bits set, as is usual.
 */
export function ipv6NetworkAddr(n: Ipv6Net): Ipv6Addr {
  if (noHostBits(n)) return n.addr;
  if (readGroups(n.addr) < 0) return n.addr;
  let host = false;
  for (let g = 0; g < 8; g++) {
    const keep = Math.max(0, Math.min(16, n.len - 16 * g));
    const mask = keep === 0 ? 0 : (0xffff << (16 - keep)) & 0xffff;
    const v = GROUPS[g] ?? 0;
    if ((v & mask) !== v) {
      host = true;
      GROUPS[g] = v & mask;
    }
  }
  return host ? (formatGroups(GROUPS) as Ipv6Addr) : n.addr;
}

/** The network address of an IPv6 prefix (host bits cleared), e.g. for the kernel. */
export function ipv6NetworkBytes(n: Ipv6Net): Uint8Array {
  const b = ipv6ToBytes(n.addr);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, n.len - 8 * i));
    b[i] = (b[i] ?? 0) & ((0xff << (8 - keep)) & 0xff);
  }
  return b;
}
