/**
 * DDM convergence benchmark in the namespace lab of the integration tests
 * (2 transits, 4 servers, one daemon each, veth links). Root only; nothing
 * leaves the namespaces it creates.
 *
 * Measures, for N prefixes per server (default 1,000 and 10,000):
 *   1. announce → converged: every server PUTs its N prefixes at once; time
 *      until every server's kernel holds the 3·N other prefixes with 2 nexthops;
 *   2. transit restart → restored: SIGKILL t1, wait until routes are single-
 *      homed, start t1 again; time from its start until every server is back
 *      to 2 nexthops everywhere.
 * Targets (issue 5): 10,000/server converged in < 2 s; restart → restored < 3 s.
 *
 *   node --import tsx bench/ddm/run.ts [N …]
 */
import { execFile } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { promisify } from "node:util";
import { DdmLab, type Router } from "../../tests/integration/ddm/lab.js";

const run = promisify(execFile);

/** Our routes in `r`'s kernel and their nexthops (an ECMP route prints one `nexthop` line per member). */
async function count(r: Router): Promise<{ routes: number; nexthops: number }> {
  const { stdout } = await run("ip", ["netns", "exec", r.ns, "ip", "-6", "route", "show", "proto", "221"], {
    maxBuffer: 256 * 1024 * 1024,
  });
  let routes = 0;
  let ecmp = 0;
  let single = 0;
  for (const line of stdout.split("\n")) {
    if (line.startsWith("\tnexthop")) ecmp += 1;
    else if (line.length > 0) {
      routes += 1;
      if (line.includes(" via ")) single += 1;
    }
  }
  return { routes, nexthops: ecmp + single };
}

/** Wait until every server has `routes` routes and `routes × hops` nexthops. */
async function waitAll(lab: DdmLab, routes: number, hops: number, ms: number): Promise<number> {
  const t0 = performance.now();
  const pending = new Set(lab.servers);
  while (pending.size > 0) {
    for (const s of [...pending]) {
      const c = await count(s);
      if (c.routes === routes && c.nexthops === routes * hops) pending.delete(s);
    }
    if (performance.now() - t0 > ms) throw new Error(`not converged after ${ms} ms`);
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - t0;
}

function prefixes(server: number, n: number): string[] {
  return Array.from(
    { length: n },
    (_, i) => `fd${(0x10 + server).toString(16)}:${(i >> 8).toString(16)}:${(i & 0xff).toString(16)}::/64`,
  );
}

async function bench(n: number): Promise<void> {
  const lab = new DdmLab(4, { "drift-check-interval": "30s" });
  try {
    await Promise.all(lab.all().map((r) => lab.start(r)));
    for (const s of lab.servers)
      for (;;) {
        const p = (await lab.api(s, "GET", "/ddm/interfaces")).body as { state: string }[];
        if (p.every((x) => x.state === "Exchange")) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    const t0 = performance.now();
    await Promise.all(lab.servers.map((s, i) => lab.api(s, "PUT", "/prefix", prefixes(i + 1, n))));
    const putMs = performance.now() - t0;
    const convMs = (await waitAll(lab, 3 * n, 2, 120_000)) + putMs;
    console.log(
      `n=${n}: announce → converged network-wide: ${convMs.toFixed(0)} ms (PUTs took ${putMs.toFixed(0)} ms)`,
    );

    const t1 = lab.transits[0]!;
    await lab.kill(t1, "SIGKILL");
    await waitAll(lab, 3 * n, 1, 60_000);
    const t2 = performance.now();
    await lab.start(t1);
    const startMs = performance.now() - t2;
    const restMs = (await waitAll(lab, 3 * n, 2, 120_000)) + startMs;
    console.log(
      `n=${n}: transit restart → all routes restored: ${restMs.toFixed(0)} ms (process start to "magnetite started": ${startMs.toFixed(0)} ms)`,
    );
  } finally {
    await lab.shutdown();
  }
}

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((x) => x > 0);
console.log(
  `machine: ${cpus().length}× ${cpus()[0]?.model ?? "?"}, node ${process.version}, load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
for (const n of sizes.length > 0 ? sizes : [1000, 10_000]) await bench(n);
