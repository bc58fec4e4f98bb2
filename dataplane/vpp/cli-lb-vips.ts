/**
 * Parser for `show lb vips verbose` as returned by `cli_inband` (maglev-vpp
 * §6.5). The dumps lack two facts the reconciler needs — a VIP's
 * `src_ip_sticky` flag and its pool index (the LB stats counter index) — so
 * they are scraped from the CLI text. The format depends on the VPP version,
 * so the parser is lenient: it keeps what it recognises and skips the rest,
 * and never throws.
 */
import { type IpAddr, ipFamily, parseIp } from "../../protocols/lb/ip.js";
import type { Prefix } from "./schema.js";

/** One AS line under a VIP. */
export interface CliAs {
  readonly address: IpAddr;
  readonly weight: number;
  readonly buckets: number | undefined;
  /** `used`; false when the line says `removed`. */
  readonly used: boolean;
}

/** One VIP block. */
export interface CliVip {
  /** e.g. `ip4-gre4`, `ip6-gre4`. */
  readonly type: string;
  /** LB pool index (the `[n]`), the index into the LB stats counters. */
  readonly index: number;
  readonly prefix: Prefix;
  readonly srcIpSticky: boolean;
  readonly removed: boolean;
  readonly newSize: number | undefined;
  /** 255 / 0 for an all-port VIP (no `protocol:` line). */
  readonly protocol: number;
  readonly port: number;
  readonly ases: readonly CliAs[];
}

const HEADER = /^\s*(ip[46]-[a-z0-9]+)\s+\[(\d+)\]\s+([0-9A-Fa-f:.]+)\/(\d+)(.*)$/;
const PROTO_PORT = /^\s*protocol:(\d+)\s+port:(\d+)/;
const NEW_SIZE = /^\s*new_size:(\d+)/;
const AS_LINE = /^\s*([0-9A-Fa-f:.]+)\s+weight:(\d+)(.*)$/;

/** Parse the whole CLI reply. */
export function parseShowLbVipsVerbose(text: string): CliVip[] {
  const out: CliVip[] = [];
  type Mutable = { -readonly [K in keyof CliVip]: CliVip[K] } & { ases: CliAs[] };
  let cur: Mutable | undefined;
  const flush = (): void => {
    if (cur !== undefined) out.push(cur);
    cur = undefined;
  };
  for (const line of text.split("\n")) {
    const h = HEADER.exec(line);
    if (h !== null) {
      flush();
      const addr = parseIp(h[3] ?? "");
      if (!addr.ok) continue;
      let len = Number(h[4]);
      // VPP keeps IPv4 VIPs as ip46 prefixes with +96; accept either spelling.
      if (ipFamily(addr.value) === 4 && len > 32) len -= 96;
      const flags = (h[5] ?? "").trim().split(/\s+/);
      cur = {
        type: h[1] ?? "",
        index: Number(h[2]),
        prefix: { address: addr.value, len },
        srcIpSticky: flags.includes("src_ip_sticky"),
        removed: flags.includes("removed"),
        newSize: undefined,
        protocol: 255,
        port: 0,
        ases: [],
      };
      continue;
    }
    if (cur === undefined) continue;
    const pp = PROTO_PORT.exec(line);
    if (pp !== null) {
      cur.protocol = Number(pp[1]);
      cur.port = Number(pp[2]);
      continue;
    }
    const ns = NEW_SIZE.exec(line);
    if (ns !== null) {
      cur.newSize = Number(ns[1]);
      continue;
    }
    const as = AS_LINE.exec(line);
    if (as !== null) {
      const addr = parseIp(as[1] ?? "");
      if (!addr.ok) continue;
      const rest = as[3] ?? "";
      const b = /buckets:(\d+)/.exec(rest);
      cur.ases.push({
        address: addr.value,
        weight: Number(as[2]),
        buckets: b === null ? undefined : Number(b[1]),
        used: !/\bremoved\b/.test(rest),
      });
    }
  }
  flush();
  return out;
}
