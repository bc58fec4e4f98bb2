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

/** Parse dotted-quad text into 4 bytes, or null. Leading zeros are rejected (ambiguous octal). */
export function ipv4Bytes(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? "";
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

/** Value of a hex digit char code, or -1. */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20; // ASCII lower case
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/**
 * Parse IPv6 text (RFC 4291 §2.2, including a trailing dotted quad) into 16
 * bytes, or null. One pass over the char codes without regular expressions
 * or intermediate arrays: every route key, kernel write and exchange body
 * goes through here, so at 30,000 routes its cost shows (bench/ddm/core.ts).
 */
export function ipv6Bytes(text: string): Uint8Array | null {
  const n = text.length;
  if (n === 0 || n > 45) return null;
  const groups = new Uint16Array(8);
  let count = 0; // groups written
  let gap = -1; // group index where "::" stands
  let i = 0;
  if (text.charCodeAt(0) === 0x3a) {
    // A leading colon must be the start of "::".
    if (text.charCodeAt(1) !== 0x3a) return null;
    gap = 0;
    i = 2;
    if (i === n) return new Uint8Array(16);
  }
  for (;;) {
    // One group: 1-4 hex digits, or a dotted quad ending the address.
    const start = i;
    let v = 0;
    let h = hexValue(text.charCodeAt(i));
    while (h >= 0 && i - start < 4) {
      v = (v << 4) | h;
      i++;
      h = hexValue(text.charCodeAt(i));
    }
    if (i < n && text.charCodeAt(i) === 0x2e) {
      // Dotted quad: only as the last 32 bits.
      if (count > 6) return null;
      const v4 = ipv4Bytes(text.slice(start));
      if (v4 === null) return null;
      groups[count++] = ((v4[0] ?? 0) << 8) | (v4[1] ?? 0);
      groups[count++] = ((v4[2] ?? 0) << 8) | (v4[3] ?? 0);
      i = n;
      break;
    }
    if (i === start || count === 8) return null;
    if (i < n && hexValue(text.charCodeAt(i)) >= 0) return null; // a fifth digit
    groups[count++] = v;
    if (i === n) break;
    if (text.charCodeAt(i) !== 0x3a) return null;
    i++;
    if (text.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return null; // a second "::"
      gap = count;
      i++;
      if (i === n) break;
    } else if (i === n) return null; // a trailing single colon
  }
  const out = new Uint8Array(16);
  if (gap < 0) {
    if (count !== 8) return null;
  } else if (count > 7) return null; // "::" must stand for at least one group
  // Groups after the gap move to the end; the gap's groups stay zero.
  const tail = gap < 0 ? 0 : count - gap;
  const head = count - tail;
  for (let g = 0; g < head; g++) {
    out[2 * g] = (groups[g] ?? 0) >> 8;
    out[2 * g + 1] = (groups[g] ?? 0) & 0xff;
  }
  for (let g = 0; g < tail; g++) {
    const at = 8 - tail + g;
    const v = groups[head + g] ?? 0;
    out[2 * at] = v >> 8;
    out[2 * at + 1] = v & 0xff;
  }
  return out;
}

/** Format 16 bytes as canonical RFC 5952 text. */
export function formatIpv6(bytes: Uint8Array): Ipv6Addr {
  const g = (i: number): number => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0);
  // RFC 5952 §4.2.3: compress the longest run of >= 2 zero groups, the first on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g(i) !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g(j) === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += "::";
      i += bestLen - 1;
      continue;
    }
    if (out.length > 0 && !out.endsWith(":")) out += ":";
    out += g(i).toString(16);
  }
  return out as Ipv6Addr;
}

/** Format 4 bytes as dotted-quad text. */
export function formatIpv4(bytes: Uint8Array): Ipv4Addr {
  return `${bytes[0] ?? 0}.${bytes[1] ?? 0}.${bytes[2] ?? 0}.${bytes[3] ?? 0}` as Ipv4Addr;
}

/** Parse and canonicalise IPv6 text. Zone ids (`%eth0`) are rejected: DDM carries none. */
export function parseIpv6(text: string): Result<Ipv6Addr, IpParseError> {
  const b = ipv6Bytes(text);
  return b === null ? err("BAD_IPV6") : ok(formatIpv6(b));
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

/** The network address of an IPv6 prefix (host bits cleared), e.g. for the kernel. */
export function ipv6NetworkBytes(n: Ipv6Net): Uint8Array {
  const b = ipv6ToBytes(n.addr);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, n.len - 8 * i));
    b[i] = (b[i] ?? 0) & ((0xff << (8 - keep)) & 0xff);
  }
  return b;
}
