/**
 * What "converged" means for the DDM benchmark, checked from the kernel (the
 * only place a route matters), with one netlink dump per namespace and no
 * process started per check:
 *
 * - a server's table of protocol-221 IPv6 routes holds exactly every other
 *   server's prefixes, each with exactly two nexthops: the link-local
 *   address of transit t1 on the link behind the server's `e0`, and that of
 *   t2 behind `e1` (with `hops = 1` after t1 died: only t2's);
 * - a transit's table holds exactly every server's prefixes, each with one
 *   nexthop: the server's link-local address on the link between them.
 *
 * Nexthops are compared as (gateway, ifindex) sets, so a route through the
 * wrong link or to a stale neighbour address does not count.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createNetlinkSocket, type NetlinkSocket } from "dgram-extended";
import {
  AF_INET6,
  NLMSG_DONE,
  NLMSG_ERROR,
  RTA_DST,
  RTA_GATEWAY,
  RTA_MULTIPATH,
  RTA_OIF,
  RTM_NEWROUTE,
  RTPROT_MAGNETITE,
} from "../../dataplane/kernel/constants.js";
import { encodeDumpRoutes } from "../../dataplane/kernel/rtnetlink.js";
import { canonicalIpv6, ipv6Bytes } from "../../protocols/ddm/ip.js";
import type { DdmLab, Router } from "../../tests/integration/ddm/lab.js";

const run = promisify(execFile);

/** Canonical text (RFC 5952); what the kernel decoder gives back already is, and is kept as it is. */
const canon = (a: string): string => canonicalIpv6(a) ?? a;

/** Prefixes server `i` (1-based) originates: `fd1i:HI:LO::/64`, canonical. */
export function serverPrefixes(i: number, n: number): string[] {
  return Array.from(
    { length: n },
    (_, k) => `${canon(`fd${(0x10 + i).toString(16)}:${k >> 8}:${k & 0xff}::`)}/64`,
  );
}

interface Link {
  readonly ifIndex: number;
  readonly linkLocal: string;
}

/** Every interface's index and link-local address in `ns`. */
async function links(ns: string): Promise<Map<string, Link>> {
  const { stdout } = await run("ip", [
    "netns",
    "exec",
    ns,
    "ip",
    "-j",
    "-6",
    "addr",
    "show",
    "scope",
    "link",
  ]);
  const rows = JSON.parse(stdout) as { ifname: string; ifindex: number; addr_info: { local: string }[] }[];
  const out = new Map<string, Link>();
  for (const r of rows) {
    const a = r.addr_info[0];
    if (a !== undefined) out.set(r.ifname, { ifIndex: r.ifindex, linkLocal: canon(a.local) });
  }
  return out;
}

/** Progress of one router towards its expected table. */
export interface Progress {
  readonly router: string;
  /** Routes of ours in the kernel. */
  readonly routes: number;
  /** Of those, expected destinations with exactly the expected nexthops. */
  readonly good: number;
  readonly want: number;
  readonly done: boolean;
}

/**
 * How the convergence was observed: passes over the routers and the time
 * spent in them (a figure is only as fine as one pass; the bench process
 * shares the CPUs with the daemons).
 */
export interface Polls {
  passes: number;
  busyMs: number;
}

/**
 * One netlink socket in a router's namespace that dumps the IPv6 table and
 * judges it without building route objects: a poll of six routers holding
 * 30,000–40,000 routes each decoded through the daemon's full decoder took
 * ~1.3 s of the bench process's CPU per pass, i.e. most of a core taken from
 * the daemons under test and a 1.3 s resolution. Here a route is read as raw
 * bytes (destination and nexthop gateways as latin1 strings, interface
 * indexes as numbers) and compared with the expected table keyed the same
 * way; a pass over all six is a few tens of ms.
 */
class RawTable {
  private seq = 1;
  private waiter: ((done: boolean) => void) | undefined;
  private onRoute: ((dst: string, nh: string) => void) | undefined;
  private onCount: ((hops: number) => void) | undefined;

  constructor(private readonly sock: NetlinkSocket) {
    sock.on("message", (d) => this.datagram(d.data));
  }

  /** Dump IPv6 routes, calling `f(destinationKey, nexthopKey)` for each route of protocol 221. */
  dump(f: (dst: string, nh: string) => void): Promise<void> {
    this.onRoute = f;
    this.onCount = undefined;
    return this.request();
  }

  /**
   * Dump IPv6 routes, calling `f(nexthops)` with the number of nexthops of each route of
   * protocol 221: no string is built, so a pass is mostly the kernel's dump.
   */
  count(f: (hops: number) => void): Promise<void> {
    this.onRoute = undefined;
    this.onCount = f;
    return this.request();
  }

  private request(): Promise<void> {
    this.seq += 1;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("dump timed out")), 20_000);
      this.waiter = () => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve();
      };
      this.sock.send(encodeDumpRoutes(6, this.seq));
    });
  }

  close(): void {
    this.sock.close();
  }

  private datagram(b: Buffer): void {
    let off = 0;
    while (off + 16 <= b.length) {
      const len = b.readUInt32LE(off);
      const type = b.readUInt16LE(off + 4);
      const seq = b.readUInt32LE(off + 8);
      if (len < 16 || off + len > b.length) return;
      if (seq === this.seq) {
        if (type === NLMSG_DONE || type === NLMSG_ERROR) this.waiter?.(true);
        else if (type === RTM_NEWROUTE) this.route(b, off + 16, off + len);
      }
      off += (len + 3) & ~3;
    }
  }

  /** Nexthops of one route: the rtnexthop entries of RTA_MULTIPATH, else 1. */
  private static hops(b: Buffer, start: number, end: number): number {
    for (let a = start + 12; a + 4 <= end; ) {
      const alen = b.readUInt16LE(a);
      if (alen < 4 || a + alen > end) break;
      if ((b.readUInt16LE(a + 2) & 0x3fff) === RTA_MULTIPATH) {
        let n = 0;
        for (let h = a + 4; h + 8 <= a + alen; n++) {
          const hlen = b.readUInt16LE(h);
          if (hlen < 8) break;
          h += (hlen + 3) & ~3;
        }
        return n;
      }
      a += (alen + 3) & ~3;
    }
    return 1;
  }

  /** One rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags, then attributes. */
  private route(b: Buffer, start: number, end: number): void {
    if (b[start] !== AF_INET6 || b[start + 5] !== RTPROT_MAGNETITE) return;
    const count = this.onCount;
    if (count !== undefined) {
      count(RawTable.hops(b, start, end));
      return;
    }
    const dstLen = b[start + 1] ?? 0;
    let dst = "";
    let gw = "";
    let oif = -1;
    const hops: string[] = [];
    let a = start + 12;
    while (a + 4 <= end) {
      const alen = b.readUInt16LE(a);
      const atype = b.readUInt16LE(a + 2) & 0x3fff;
      if (alen < 4 || a + alen > end) break;
      if (atype === RTA_DST) dst = b.toString("latin1", a + 4, a + alen);
      else if (atype === RTA_GATEWAY) gw = b.toString("latin1", a + 4, a + alen);
      else if (atype === RTA_OIF) oif = b.readUInt32LE(a + 4);
      else if (atype === RTA_MULTIPATH) {
        // struct rtnexthop: len u16, flags u8, hops u8, ifindex i32, then its attributes.
        let h = a + 4;
        while (h + 8 <= a + alen) {
          const hlen = b.readUInt16LE(h);
          if (hlen < 8) break;
          const ifx = b.readInt32LE(h + 4);
          let hg = "";
          for (let x = h + 8; x + 4 <= h + hlen; ) {
            const l = b.readUInt16LE(x);
            if (l < 4) break;
            if ((b.readUInt16LE(x + 2) & 0x3fff) === RTA_GATEWAY) hg = b.toString("latin1", x + 4, x + l);
            x += (l + 3) & ~3;
          }
          hops.push(`${hg}@${ifx}`);
          h += (hlen + 3) & ~3;
        }
      }
      a += (alen + 3) & ~3;
    }
    if (hops.length === 0) hops.push(`${gw}@${oif}`);
    this.onRoute?.(`${dst}/${dstLen}`, hops.length === 1 ? (hops[0] ?? "") : hops.sort().join(","));
  }
}

/** The raw key of a prefix or nexthop gateway: its 16 bytes as latin1 (what `RawTable` reads). */
function rawAddr(text: string): string {
  const bytes = ipv6Bytes(text);
  if (bytes === null) throw new Error(`bad address ${text}`);
  return Buffer.from(bytes).toString("latin1");
}
const rawPrefix = (cidr: string): string => {
  const [addr, len] = cidr.split("/");
  return `${rawAddr(addr ?? "")}/${len}`;
};

/** Expected tables for the lab, and a netlink socket per namespace to dump them. */
export class Convergence {
  private readonly tables = new Map<string, RawTable>();
  /** Expected tables already built: 220,000 keys at 10,000 prefixes, too costly to build inside a timed window. */
  private readonly expectedMemo = new Map<string, Map<string, string>>();

  private constructor(
    private readonly lab: DdmLab,
    private readonly linkOf: Map<string, Map<string, Link>>,
  ) {}

  static async open(lab: DdmLab): Promise<Convergence> {
    const linkOf = new Map<string, Map<string, Link>>();
    for (const r of lab.all()) linkOf.set(r.name, await links(r.ns));
    const c = new Convergence(lab, linkOf);
    for (const r of lab.all()) {
      const sock = createNetlinkSocket({ netns: r.ns, receiveBufferSize: 8 * 1024 * 1024 });
      sock.unref();
      c.tables.set(r.name, new RawTable(sock));
    }
    return c;
  }

  close(): void {
    for (const t of this.tables.values()) t.close();
  }

  private link(router: string, ifName: string): Link {
    const l = this.linkOf.get(router)?.get(ifName);
    if (l === undefined) throw new Error(`no link ${router}/${ifName}`);
    return l;
  }

  /**
   * Raw destination key → expected raw nexthop set (sorted `gateway@ifindex`),
   * for `r` with `hops` transits alive (2, or 1: t2 only).
   */
  expected(r: Router, n: number, hops: 1 | 2): Map<string, string> {
    const memo = `${r.name}|${n}|${hops}`;
    const had = this.expectedMemo.get(memo);
    if (had !== undefined) return had;
    const out = new Map<string, string>();
    this.expectedMemo.set(memo, out);
    const servers = this.lab.servers;
    if (r.kind === "server") {
      const ts = hops === 2 ? [0, 1] : [1];
      const nh = ts
        .map((ti) => {
          const mine = this.link(r.name, `e${ti}`);
          const theirs = this.link(this.lab.transits[ti]?.name ?? "", `s${servers.indexOf(r) + 1}`);
          return `${rawAddr(theirs.linkLocal)}@${mine.ifIndex}`;
        })
        .sort()
        .join(",");
      for (const [oi, o] of servers.entries())
        if (o !== r) for (const p of serverPrefixes(oi + 1, n)) out.set(rawPrefix(p), nh);
      return out;
    }
    const ti = this.lab.transits.indexOf(r);
    for (const [si, s] of servers.entries()) {
      const nh = `${rawAddr(this.link(s.name, `e${ti}`).linkLocal)}@${this.link(r.name, `s${si + 1}`).ifIndex}`;
      for (const p of serverPrefixes(si + 1, n)) out.set(rawPrefix(p), nh);
    }
    return out;
  }

  /**
   * A cheap look at `r`'s table: how many routes of ours, and how many with the expected number
   * of nexthops. Only when both match `want` is the exact `check` worth its cost.
   */
  roughly(r: Router, want: ReadonlyMap<string, string>, hops: number): Promise<Progress> {
    return this.tally(r, want, (t, hit) => t.count((n) => hit(n === hops)));
  }

  /** Build the expected tables of every router for `n` prefixes per server ahead of a timed window. */
  prepare(n: number): void {
    for (const r of this.lab.all()) this.expected(r, n, 2);
    for (const r of this.lab.servers) this.expected(r, n, 1);
  }

  /** One dump of `r`'s table compared with `want`, exactly (destinations, gateways, interfaces). */
  check(r: Router, want: ReadonlyMap<string, string>): Promise<Progress> {
    return this.tally(r, want, (t, hit) => t.dump((dst, nh) => hit(want.get(dst) === nh)));
  }

  /** Count `r`'s routes of ours and how many of them `walk` judges good. */
  private async tally(
    r: Router,
    want: ReadonlyMap<string, string>,
    walk: (t: RawTable, hit: (good: boolean) => void) => Promise<void>,
  ): Promise<Progress> {
    const t = this.tables.get(r.name);
    if (t === undefined) throw new Error(`no table for ${r.name}`);
    let routes = 0;
    let good = 0;
    await walk(t, (g) => {
      routes += 1;
      if (g) good += 1;
    });
    return {
      router: r.name,
      routes,
      good,
      want: want.size,
      done: routes === want.size && good === want.size,
    };
  }

  /**
   * Poll every router in `routers` (one dump each per pass, `everyMs` apart)
   * until all are converged at once; resolves to the ms from `t0`, or to the
   * last progress when `ms` passes.
   */
  async wait(
    routers: readonly Router[],
    n: number,
    hops: 1 | 2,
    t0: number,
    ms: number,
    everyMs = 50,
    gate: () => Promise<boolean> = async () => true,
  ): Promise<({ ok: true; ms: number } | { ok: false; progress: Progress[] }) & { polls: Polls }> {
    const want = new Map(routers.map((r) => [r.name, this.expected(r, n, hops)]));
    const done = new Set<string>();
    let last: Progress[] = [];
    const polls: Polls = { passes: 0, busyMs: 0 };
    for (;;) {
      if (!(await gate())) {
        if (performance.now() - t0 > ms) return { ok: false, progress: last, polls };
        await new Promise((r) => setTimeout(r, everyMs));
        continue;
      }
      const p0 = performance.now();
      last = [];
      for (const r of routers) {
        if (done.has(r.name)) continue;
        const w = want.get(r.name) ?? new Map<string, string>();
        const rough = await this.roughly(r, w, r.kind === "server" ? hops : 1);
        const p = rough.done ? await this.check(r, w) : rough;
        last.push(p);
        if (p.done) done.add(r.name);
      }
      polls.passes += 1;
      polls.busyMs += performance.now() - p0;
      if (done.size === routers.length) {
        const at = performance.now() - t0;
        // Confirm all at once: a router counted earlier must not have regressed.
        const again = await Promise.all(routers.map((r) => this.check(r, want.get(r.name) ?? new Map())));
        if (again.every((p) => p.done)) return { ok: true, ms: at, polls };
        for (const p of again) if (!p.done) done.delete(p.router);
      }
      if (performance.now() - t0 > ms) return { ok: false, progress: last, polls };
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
