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
import { type NetlinkRouteTable, openNetlinkRouteTable } from "../../dataplane/kernel/index.js";
import { canonicalIpv6 } from "../../protocols/ddm/ip.js";
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

/** Expected tables for the lab, and a netlink socket per namespace to dump them. */
export class Convergence {
  private readonly tables = new Map<string, NetlinkRouteTable>();

  private constructor(
    private readonly lab: DdmLab,
    private readonly linkOf: Map<string, Map<string, Link>>,
  ) {}

  static async open(lab: DdmLab): Promise<Convergence> {
    const linkOf = new Map<string, Map<string, Link>>();
    for (const r of lab.all()) linkOf.set(r.name, await links(r.ns));
    const c = new Convergence(lab, linkOf);
    for (const r of lab.all()) {
      const t = openNetlinkRouteTable({ netns: r.ns, timeoutMs: 20_000 });
      if (!t.ok) throw new Error(`netlink in ${r.ns}: ${JSON.stringify(t.error)}`);
      c.tables.set(r.name, t.value);
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

  /** destination → expected nexthop set (sorted `gw@ifindex`), for `r` with `hops` transits alive (2, or 1: t2 only). */
  expected(r: Router, n: number, hops: 1 | 2): Map<string, string> {
    const out = new Map<string, string>();
    const servers = this.lab.servers;
    if (r.kind === "server") {
      const ts = hops === 2 ? [0, 1] : [1];
      const nh = ts
        .map((ti) => {
          const mine = this.link(r.name, `e${ti}`);
          const theirs = this.link(this.lab.transits[ti]?.name ?? "", `s${servers.indexOf(r) + 1}`);
          return `${theirs.linkLocal}@${mine.ifIndex}`;
        })
        .sort()
        .join(",");
      for (const [oi, o] of servers.entries())
        if (o !== r) for (const p of serverPrefixes(oi + 1, n)) out.set(p, nh);
      return out;
    }
    const ti = this.lab.transits.indexOf(r);
    for (const [si, s] of servers.entries()) {
      const nh = `${this.link(s.name, `e${ti}`).linkLocal}@${this.link(r.name, `s${si + 1}`).ifIndex}`;
      for (const p of serverPrefixes(si + 1, n)) out.set(p, nh);
    }
    return out;
  }

  /** One dump of `r`'s table compared with `want`. */
  async check(r: Router, want: ReadonlyMap<string, string>): Promise<Progress> {
    const t = this.tables.get(r.name);
    if (t === undefined) throw new Error(`no table for ${r.name}`);
    const d = await t.dumpOurs();
    if (!d.ok) throw new Error(`dump ${r.name}: ${JSON.stringify(d.error)}`);
    let routes = 0;
    let good = 0;
    for (const k of d.value) {
      if (k.family !== 6) continue;
      routes += 1;
      const w = want.get(`${canon(k.dst)}/${k.dstLen}`);
      if (w === undefined) continue;
      const have = k.nexthops
        .map((h) => `${canon(h.gateway ?? "")}@${h.ifIndex}`)
        .sort()
        .join(",");
      if (have === w) good += 1;
    }
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
  ): Promise<({ ok: true; ms: number } | { ok: false; progress: Progress[] }) & { polls: Polls }> {
    const want = new Map(routers.map((r) => [r.name, this.expected(r, n, hops)]));
    const done = new Set<string>();
    let last: Progress[] = [];
    const polls: Polls = { passes: 0, busyMs: 0 };
    for (;;) {
      const p0 = performance.now();
      last = [];
      for (const r of routers) {
        if (done.has(r.name)) continue;
        const p = await this.check(r, want.get(r.name) ?? new Map());
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
