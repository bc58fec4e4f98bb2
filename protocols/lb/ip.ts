/**
 * IP addresses for the LB core: parsed once at the edge into a canonical text
 * form (RFC 5952 §4 for IPv6, dotted quad for IPv4) and branded, so maps keyed
 * by address never see two spellings of one host. Pure: no `node:net`.
 *
 * Ordering follows maglev-vpp §4.4: every IPv4 address sorts before every
 * IPv6 address, and within a family addresses compare numerically (so
 * 10.0.0.2 < 10.0.0.10), never lexically.
 */
import type { Brand } from "../common/brand.js";
import { err, ok, type Result } from "../common/result.js";

/** A canonical IPv4 or IPv6 address (no prefix length, no zone). */
export type IpAddr = Brand<string, "IpAddr">;

/** Address family as the LB core sees it. */
export type IpFamily = 4 | 6;

/** Why a string is not an address. */
export type IpParseError = { readonly code: "LB_E_BAD_ADDRESS"; readonly input: string };

function parseV4(s: string): number[] | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    // Leading zeros are refused: "010" is octal to some parsers and decimal to others.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

function parseV6(s: string): number[] | undefined {
  let text = s;
  // An embedded dotted quad may end the address (RFC 4291 §2.2, form 3):
  // rewrite it as the two hex groups it stands for, then parse uniformly.
  if (text.includes(".")) {
    const lastColon = text.lastIndexOf(":");
    const v4 = parseV4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    const hi = (((v4[0] ?? 0) << 8) | (v4[1] ?? 0)).toString(16);
    const lo = (((v4[2] ?? 0) << 8) | (v4[3] ?? 0)).toString(16);
    text = `${text.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const group = (g: string): number | undefined =>
    /^[0-9a-fA-F]{1,4}$/.test(g) ? Number.parseInt(g, 16) : undefined;
  const side = (h: string | undefined): number[] | undefined => {
    if (h === undefined || h === "") return [];
    const gs = h.split(":").map(group);
    return gs.some((g) => g === undefined) ? undefined : (gs as number[]);
  };
  const head = side(halves[0]);
  const rest = side(halves[1]);
  if (head === undefined || rest === undefined) return undefined;
  const total = head.length + rest.length;
  if (halves.length === 1) return total === 8 ? head : undefined;
  if (total > 7) return undefined;
  return [...head, ...new Array<number>(8 - total).fill(0), ...rest];
}

/** Canonical RFC 5952 §4 text: lowercase, no leading zeros, longest zero run (≥ 2) as `::`. */
function formatV6(groups: readonly number[]): string {
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(":");
  return `${hex.slice(0, bestAt).join(":")}::${hex.slice(bestAt + bestLen).join(":")}`;
}

/** Parse an IPv4 or IPv6 address into its canonical branded form. */
export function parseIp(input: string): Result<IpAddr, IpParseError> {
  if (input.includes(":")) {
    const g = parseV6(input);
    return g === undefined ? err({ code: "LB_E_BAD_ADDRESS", input }) : ok(formatV6(g) as IpAddr);
  }
  const q = parseV4(input);
  return q === undefined ? err({ code: "LB_E_BAD_ADDRESS", input }) : ok(q.join(".") as IpAddr);
}

/** Parse a literal known to be valid (tests, constants); throws on a programmer error. */
export function ip(input: string): IpAddr {
  const r = parseIp(input);
  if (!r.ok) throw new Error(`not an IP address: ${input}`);
  return r.value;
}

/** The family of a canonical address. */
export function ipFamily(a: IpAddr): IpFamily {
  return a.includes(":") ? 6 : 4;
}

/** Network-order bytes: 4 for IPv4, 16 for IPv6. */
export function ipBytes(a: IpAddr): Uint8Array {
  if (ipFamily(a) === 4) return Uint8Array.from(a.split(".").map(Number));
  const g = parseV6(a) ?? [];
  const out = new Uint8Array(16);
  g.forEach((v, i) => {
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

/** Build an address from 4 (IPv4) or 16 (IPv6) network-order bytes. */
export function ipFromBytes(bytes: Uint8Array): IpAddr {
  if (bytes.length === 4) return Array.from(bytes).join(".") as IpAddr;
  if (bytes.length !== 16) throw new Error(`address needs 4 or 16 bytes, got ${bytes.length}`);
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  return formatV6(g) as IpAddr;
}

/** Total order of maglev-vpp §4.4: IPv4 before IPv6, then numeric. */
export function compareIp(a: IpAddr, b: IpAddr): number {
  const fa = ipFamily(a);
  const fb = ipFamily(b);
  if (fa !== fb) return fa - fb;
  const x = ipBytes(a);
  const y = ipBytes(b);
  for (let i = 0; i < x.length; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Addresses sorted per §4.4 (a new array). */
export function sortIps(addrs: Iterable<IpAddr>): IpAddr[] {
  return [...addrs].sort(compareIp);
}
