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

/** Scratch for `readGroups`: its result is copied out before anyone else can run. */
const GROUPS = new Uint16Array(8);

/**
 * Parse IPv6 text (RFC 4291 §2.2, including a trailing dotted quad) into the
 * eight groups of `GROUPS`. Returns -1 when the text is not an address, else
 * 1 when it is already spelled canonically (RFC 5952 §4: lower case, no
 * leading zeros, no dotted quad, "::" exactly over the longest run of two or
 * more zero groups, the first on a tie), else 0. One pass over the char codes
 * without regular expressions or intermediate arrays: every route key,
 * kernel write and exchange body goes through here, so at 30,000 routes its
 * cost shows (bench/ddm/core.ts), and a canonical text (what peers and the
 * kernel decoder send) is then kept as it is instead of being re-formatted.
 */
function readGroups(text: string): number {
  const groups = GROUPS;
  const n = text.length;
  if (n === 0 || n > 45) return -1;
  let canonical = true;
  let count = 0; // groups written
  let gap = -1; // group index where "::" stands
  let i = 0;
  if (text.charCodeAt(0) === 0x3a) {
    // A leading colon must be the start of "::".
    if (text.charCodeAt(1) !== 0x3a) return -1;
    gap = 0;
    i = 2;
  }
  while (i < n || (gap < 0 && count === 0)) {
    // One group: 1-4 hex digits, or a dotted quad ending the address.
    const start = i;
    let v = 0;
    let c = text.charCodeAt(i);
    let h = hexValue(c);
    while (h >= 0 && i - start < 4) {
      if (c >= 0x41 && c <= 0x46) canonical = false; // upper case
      v = (v << 4) | h;
      i++;
      c = text.charCodeAt(i);
      h = hexValue(c);
    }
    if (i < n && c === 0x2e) {
      // Dotted quad: only as the last 32 bits; never canonical (we format all groups in hex).
      if (count > 6) return -1;
      const v4 = ipv4Bytes(text.slice(start));
      if (v4 === null) return -1;
      groups[count++] = ((v4[0] ?? 0) << 8) | (v4[1] ?? 0);
      groups[count++] = ((v4[2] ?? 0) << 8) | (v4[3] ?? 0);
      canonical = false;
      i = n;
      break;
    }
    if (i === start || count === 8) return -1;
    if (i < n && h >= 0) return -1; // a fifth digit
    // Leading zeros: a group's digits must be exactly those of its value.
    if (i - start > 1 && text.charCodeAt(start) === 0x30) canonical = false;
    groups[count++] = v;
    if (i === n) break;
    if (c !== 0x3a) return -1;
    i++;
    if (text.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return -1; // a second "::"
      gap = count;
      i++;
    } else if (i === n) return -1; // a trailing single colon
  }
  if (gap < 0) {
    if (count !== 8) return -1;
  } else {
    if (count > 7) return -1; // "::" must stand for at least one group
    // Groups after the gap move to the end; the gap's groups become zero.
    const tail = count - gap;
    for (let g = tail - 1; g >= 0; g--) groups[8 - tail + g] = groups[gap + g] ?? 0;
    for (let g = gap; g < 8 - tail; g++) groups[g] = 0;
  }
  if (!canonical) return 0;
  const [bestStart, bestLen] = longestZeroRun(groups);
  if (gap < 0) return bestStart < 0 ? 1 : 0;
  return gap === bestStart && 8 - count === bestLen ? 1 : 0;
}

/** RFC 5952 §4.2.3: the longest run of two or more zero groups, the first on a tie; [-1, 1] when none. */
function longestZeroRun(groups: Uint16Array): [number, number] {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  return [bestStart, bestLen];
}

function formatGroups(groups: Uint16Array): Ipv6Addr {
  const [bestStart, bestLen] = longestZeroRun(groups);
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += "::";
      i += bestLen - 1;
      continue;
    }
    if (i > 0 && i !== bestStart + bestLen) out += ":";
    out += (groups[i] ?? 0).toString(16);
  }
  return out as Ipv6Addr;
}

/** Parse IPv6 text (RFC 4291 §2.2, including a trailing dotted quad) into 16 bytes, or null. */
export function ipv6Bytes(text: string): Uint8Array | null {
  if (readGroups(text) < 0) return null;
  const out = new Uint8Array(16);
  for (let g = 0; g < 8; g++) {
    const v = GROUPS[g] ?? 0;
    out[2 * g] = v >> 8;
    out[2 * g + 1] = v & 0xff;
  }
  return out;
}

/** The canonical (RFC 5952) form of IPv6 text: the text itself when already canonical; null when not an address. */
export function canonicalIpv6(text: string): Ipv6Addr | null {
  const r = readGroups(text);
  return r < 0 ? null : r === 1 ? (text as Ipv6Addr) : formatGroups(GROUPS);
}

/** Format 16 bytes as canonical RFC 5952 text. */
export function formatIpv6(bytes: Uint8Array): Ipv6Addr {
  const groups = new Uint16Array(8);
  for (let g = 0; g < 8; g++) groups[g] = ((bytes[2 * g] ?? 0) << 8) | (bytes[2 * g + 1] ?? 0);
  return formatGroups(groups);
}

/** Format 4 bytes as dotted-quad text. */
export function formatIpv4(bytes: Uint8Array): Ipv4Addr {
  return `${bytes[0] ?? 0}.${bytes[1] ?? 0}.${bytes[2] ?? 0}.${bytes[3] ?? 0}` as Ipv4Addr;
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
 * The network address of an IPv6 prefix as canonical text: the prefix's own
 * address (no new string) when it has no host bits set, as is usual.
 */
export function ipv6NetworkAddr(n: Ipv6Net): Ipv6Addr {
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
  return host ? formatGroups(GROUPS) : n.addr;
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
