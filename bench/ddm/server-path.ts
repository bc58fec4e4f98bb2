/**
 * A server router's receive path at benchmark scale, against a real kernel
 * table, without HTTP or actors: the six push bodies a server of bench/ddm
 * receives at N prefixes per server (3 other servers × 2 transits) are
 * parsed, applied to the RIB, turned into kernel operations as the router
 * actor does (`fibChangeToOp`, `RouteSync.set`) and written over rtnetlink
 * into a private network namespace with two veth links, like a server's
 * two uplinks. Prints CPU (user, sys) and wall time per pass, median of the
 * passes, and the first pass alone (code not yet optimised, as in a daemon
 * that meets its first large update): the figures to judge a change to the
 * receive path by before the namespace benchmark, whose wall time moves
 * with the machine's load.
 *
 *   node dist/bench/ddm/server-path.js [N] [--passes P]      (root; N default 10,000)
 *
 * The transit side (parse, RIB, redistribution serialised three times) is
 * timed too, as `transit`.
 */
import { execFileSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { RouteSync } from "../../dataplane/kernel/route-sync.js";
import { fibChangeToOp } from "../../dataplane/kernel/routes.js";
import { openNetlinkRouteTable } from "../../dataplane/kernel/netlink-table.js";
import {
  DdmRib,
  type Nexthop,
  parseIpv6Net,
  parseUpdate,
  type PathVector,
  serializeUpdate,
} from "../../protocols/ddm/index.js";
import { serverPrefixes } from "./converged.js";

const { values, positionals } = parseArgs({
  options: { passes: { type: "string", default: "5" } },
  allowPositionals: true,
});
const n = Number(positionals[0] ?? 10_000);
const passes = Number(values.passes);
const ns = `mgt-sp-${process.pid}`;
const sh = (...args: string[]): void => {
  execFileSync(args[0] ?? "", args.slice(1), { stdio: "inherit" });
};

function vectors(server: number, path: string[]): PathVector[] {
  return serverPrefixes(server, n).map((p) => {
    const d = parseIpv6Net(p);
    if (!d.ok) throw new Error(p);
    return { destination: d.value, path };
  });
}

/** CPU µs (user, system) and wall ms of `f`. */
async function measure(f: () => Promise<void>): Promise<[number, number, number]> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const c = process.cpuUsage(c0);
  return [c.user / 1000, c.system / 1000, performance.now() - t0];
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

function report(label: string, rows: [number, number, number][]): void {
  const u = median(rows.map((r) => r[0]));
  const s = median(rows.map((r) => r[1]));
  const w = median(rows.map((r) => r[2]));
  const first = rows[0] ?? [0, 0, 0];
  console.log(
    `${label.padEnd(46)} cpu ${(u + s).toFixed(0).padStart(5)} ms (user ${u.toFixed(0)}, sys ${s.toFixed(0)}), wall ${w.toFixed(0)} ms; first pass (cold code) cpu ${(first[0] + first[1]).toFixed(0)} ms`,
  );
}

async function main(): Promise<void> {
  console.log(
    `machine: ${cpus().length}× ${cpus()[0]?.model ?? "?"}, node ${process.version}, load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}; N = ${n}, ${passes} passes`,
  );
  sh("ip", "netns", "add", ns);
  try {
    // veth pairs with both ends inside the namespace (this kernel has no dummy links).
    for (const k of [0, 1]) {
      sh("ip", "-n", ns, "link", "add", "name", `e${k}`, "type", "veth", "peer", "name", `p${k}`);
      sh("ip", "-n", ns, "link", "set", `e${k}`, "up");
      sh("ip", "-n", ns, "link", "set", `p${k}`, "up");
    }
    const ifIndex = new Map<string, number>();
    for (const name of ["e0", "e1"]) {
      const out = execFileSync("ip", ["-n", ns, "-o", "link", "show", name], { encoding: "utf8" });
      ifIndex.set(name, Number(out.split(":")[0]));
    }
    const table = openNetlinkRouteTable({ netns: ns });
    if (!table.ok) throw new Error(JSON.stringify(table.error));
    const t1: Nexthop = { addr: "fe80::1" as Nexthop["addr"], ifName: "e0" };
    const t2: Nexthop = { addr: "fe80::2" as Nexthop["addr"], ifName: "e1" };
    // What a server receives: each other server's table through each transit.
    const bodies: [Nexthop, string][] = [];
    for (const [via, tname] of [
      [t1, "t1"],
      [t2, "t2"],
    ] as const)
      for (const s of [1, 2, 3])
        bodies.push([
          via,
          serializeUpdate(
            { underlay: { announce: vectors(s, [`s${s}`, tname]), withdraw: [] }, tunnel: null },
            3,
          ),
        ]);
    const serverRows: [number, number, number][] = [];
    const clearRows: [number, number, number][] = [];
    for (let p = 0; p < passes; p++) {
      const sync = new RouteSync({ table: table.value, adoptMs: 0, driftCheckMs: 0, cleanupOnStop: false });
      const rib = new DdmRib({ hostname: "s4", kind: "server" });
      serverRows.push(
        await measure(async () => {
          // Interleaved as the transits' pushes arrive: t1's first body, t2's first, …
          for (let i = 0; i < 3; i++)
            for (const body of [bodies[i], bodies[i + 3]]) {
              if (body === undefined) continue;
              const [from, text] = body;
              const u = parseUpdate(text, 3);
              if (!u.ok) throw new Error(u.error.detail);
              const o = rib.applyUpdate(from, u.value);
              for (const change of o.fib) {
                const op = fibChangeToOp(change, (name) => ifIndex.get(name));
                if (op.op === "replace") sync.set(op.route, op.route, true);
                else sync.set(op.key, null, true);
              }
              await new Promise((r) => setImmediate(r));
            }
          await sync.idle();
        }),
      );
      if (sync.failures > 0) throw new Error(`${sync.failures} kernel writes failed`);
      clearRows.push(
        await measure(async () => {
          for (const from of [t1, t2])
            for (const change of rib.expireNexthop(from).fib) {
              const op = fibChangeToOp(change, (name) => ifIndex.get(name));
              if (op.op === "replace") sync.set(op.route, op.route, true);
              else sync.set(op.key, null, true);
            }
          await sync.idle();
        }),
      );
    }
    report(`server: 6 pushes of ${n} → ${3 * n} ECMP routes`, serverRows);
    report(`server: both transits expire (${3 * n} deletes)`, clearRows);

    const transitRows: [number, number, number][] = [];
    const own = [1, 2, 3, 4].map((s) =>
      serializeUpdate({ underlay: { announce: vectors(s, [`s${s}`]), withdraw: [] }, tunnel: null }, 3),
    );
    for (let p = 0; p < passes; p++) {
      const rib = new DdmRib({ hostname: "t1", kind: "transit" });
      transitRows.push(
        await measure(async () => {
          for (const [i, text] of own.entries()) {
            const from: Nexthop = { addr: `fe80::${i + 1}` as Nexthop["addr"], ifName: `s${i + 1}` };
            const u = parseUpdate(text, 3);
            if (!u.ok) throw new Error(u.error.detail);
            const o = rib.applyUpdate(from, u.value);
            // Sent on to the three other servers; the kernel side is the server's, above.
            if (o.redistribute !== null) for (let k = 0; k < 3; k++) serializeUpdate(o.redistribute, 3);
          }
        }),
      );
    }
    report(`transit: 4 pushes of ${n}, redistributed ×3 (no kernel)`, transitRows);
    table.value.close();
  } finally {
    sh("ip", "netns", "del", ns);
  }
}

await main();
