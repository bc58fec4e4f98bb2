/**
 * IP address text ⇄ bytes, shared by every subsystem that parses addresses
 * at its edge (DDM's routes and exchange bodies, the LB core's VIPs and
 * backends). IPv6 per RFC 4291 §2.2 (a trailing dotted quad included),
 * canonical text per RFC 5952 §4; IPv4 as a strict dotted quad. Unbranded:
 * each subsystem wraps these in its own branded types and error codes.
 *
 * Pure: no `node:net`, because `protocols/` is sans-io. The IPv6 reader makes
 * one pass over the char codes into a scratch array, without regular
 * expressions or intermediate strings: DDM runs every route key, kernel
 * write and exchange body through it, tens of thousands at a time.
 */
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
export const GROUPS = new Uint16Array(8);

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
export function readGroups(text: string): number {
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

export function formatGroups(groups: Uint16Array): string {
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
  return out;
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
export function canonicalIpv6(text: string): string | null {
  const r = readGroups(text);
  return r < 0 ? null : r === 1 ? text : formatGroups(GROUPS);
}

/** Format 16 bytes as canonical RFC 5952 text. */
export function formatIpv6(bytes: Uint8Array): string {
  const groups = new Uint16Array(8);
  for (let g = 0; g < 8; g++) groups[g] = ((bytes[2 * g] ?? 0) << 8) | (bytes[2 * g + 1] ?? 0);
  return formatGroups(groups);
}

/** Format 4 bytes as dotted-quad text. */
export function formatIpv4(bytes: Uint8Array): string {
  return `${bytes[0] ?? 0}.${bytes[1] ?? 0}.${bytes[2] ?? 0}.${bytes[3] ?? 0}`;
}
