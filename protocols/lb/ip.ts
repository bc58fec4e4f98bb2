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
import { canonicalIpv6, formatIpv6, ipv4Bytes, ipv6Bytes } from "../common/ip-text.js";
import { err, ok, type Result } from "../common/result.js";

/** A canonical IPv4 or IPv6 address (no prefix length, no zone). */
export type IpAddr = Brand<string, "IpAddr">;

/** Address family as the LB core sees it. */
export type IpFamily = 4 | 6;

/** Why a string is not an address. */
export type IpParseError = { readonly code: "LB_E_BAD_ADDRESS"; readonly input: string };

/** Parse an IPv4 or IPv6 address into its canonical branded form. */
export function parseIp(input: string): Result<IpAddr, IpParseError> {
  if (input.includes(":")) {
    const c = canonicalIpv6(input);
    return c === null ? err({ code: "LB_E_BAD_ADDRESS", input }) : ok(c as IpAddr);
  }
  const q = ipv4Bytes(input);
  return q === null ? err({ code: "LB_E_BAD_ADDRESS", input }) : ok(q.join(".") as IpAddr);
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
  if (ipFamily(a) === 4) return ipv4Bytes(a) ?? new Uint8Array(4);
  return ipv6Bytes(a) ?? new Uint8Array(16);
}

/** Build an address from 4 (IPv4) or 16 (IPv6) network-order bytes. */
export function ipFromBytes(bytes: Uint8Array): IpAddr {
  if (bytes.length === 4) return Array.from(bytes).join(".") as IpAddr;
  if (bytes.length !== 16) throw new Error(`address needs 4 or 16 bytes, got ${bytes.length}`);
  return formatIpv6(bytes) as IpAddr;
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
