/**
 * DDM convergence benchmark (issue 5) in the namespace lab of the
 * integration tests: 2 transits, 4 servers, one daemon each, veth links.
 * Root only; nothing leaves the namespaces it creates.
 *
 * Per prefix count N and round (a fresh lab each round):
 *   1. announce → converged: every server originates its N prefixes with one
 *      `PUT /prefix` (all four at once); time from sending the PUTs until
 *      every router's kernel holds its expected table (`converged.ts`:
 *      servers 3·N routes × 2 ECMP nexthops, transits 4·N × 1);
 *   2. transit restart → restored: SIGKILL t1, wait until the servers are
 *      single-homed through t2, start t1 again; time from spawning it until
 *      every router is back to its full expected table.
 * The instant a network is converged is the last kernel write of any router
 * (each daemon's `magnetite_ddm_kernel_last_write_timestamp_seconds`), taken
 * once polls of the kernel tables have seen every table right. A poll runs
 * only when no router has written to its kernel for 250 ms (their write
 * counters, read from /metrics), and is a cheap count first and an exact
 * comparison of destinations, gateways and interfaces when the counts match;
 * the polls' own CPU is printed too.
 * Targets: 10,000/server converged < 2 s; restart → restored < 3 s.
 *
 * Measure the daemon, not the harness: run this compiled (the lab then starts
 * `node dist/api/cli/main.js daemon`), the API is reached through a relay
 * started once per namespace, and the kernel is read with one netlink dump
 * per router per poll. The load average and each daemon's CPU seconds are
 * printed with every figure, since other work on the machine skews them.
 *
 *   npm run build && node dist/bench/ddm/run.js [--rounds R] [--profile DIR] [--timeout S] [--expire D] [--skip-restart] [--verbose]
 *     [--daemon-flags="NODE FLAGS"] [N …]
 *
 * Timers are the lab's (solicit 200 ms) except the expiry threshold, which
 * is ddmd's default of 5 s unless `--expire D` says otherwise: on a loaded
 * 2-core machine the lab's 1 s loses sessions to CPU starvation alone, and
 * each loss restarts an exchange ("sessions lost" counts them).
 *
 * `--profile DIR` starts the daemons with `--cpu-prof` (one directory per
 * router, written at SIGTERM); summarise with `bench/ddm/profile-top.ts`.
 */
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DAEMON_ENTRY, DdmLab, type Router } from "../../tests/integration/ddm/lab.js";
import { Convergence, type Polls, type Progress, serverPrefixes } from "./converged.js";

const { values, positionals } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    profile: { type: "string" },
    timeout: { type: "string", default: "120" },
    "skip-restart": { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
    expire: { type: "string", default: "5s" },
    "daemon-flags": { type: "string", default: "" },
  },
  allowPositionals: true,
});
const rounds = Number(values.rounds);
/**
 * Pause between looks at the routers. A poll dumps six tables of 30,000–40,000 routes
 * (~150 ms of the bench's CPU at 10,000 prefixes per server, most of it the kernel's dump), so
 * back-to-back polls took a fifth of the machine from the daemons under test; now a look reads
 * the routers' write counters and polls the tables only once they are quiet. The figure does
 * not depend on it: it is the last kernel write, read from the daemons once the polls have seen
 * every table right.
 */
const POLL_MS = 250;
const timeoutMs = Number(values.timeout) * 1000;
const sizes = positionals.map(Number).filter((x) => x > 0);

const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

/** Busy and total jiffies of the whole machine so far (/proc/stat's `cpu` line). */
function machineTicks(): [number, number] {
  const f = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return [total - idle, total];
}

/**
 * Wait until the machine is idle (under 10 % busy over 200 ms, at most 10 s): the kernel
 * frees the previous round's namespaces (hundreds of thousands of routes) in its own
 * workers after they are deleted, and that work must not land inside the next window.
 * Returns the ms waited.
 */
async function machineQuiet(): Promise<number> {
  const t0 = performance.now();
  let [busy0, total0] = machineTicks();
  while (performance.now() - t0 < 10_000) {
    await new Promise((r) => setTimeout(r, 200));
    const [busy, total] = machineTicks();
    const share = total > total0 ? (busy - busy0) / (total - total0) : 1;
    if (share < 0.1) break;
    busy0 = busy;
    total0 = total;
  }
  return performance.now() - t0;
}

/** [user + system, system] CPU seconds of a process so far (/proc/PID/stat fields 14, 15; 100 ticks/s). */
function cpuSplit(pid: number | undefined): [number, number] {
  if (pid === undefined) return [0, 0];
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return [(Number(f[11]) + Number(f[12])) / 100, Number(f[12]) / 100];
  } catch {
    return [0, 0];
  }
}

const cpuOf = (lab: DdmLab): Map<string, [number, number]> =>
  new Map(lab.all().map((r) => [r.name, cpuSplit(r.proc?.child.pid)]));
/** Per router: CPU seconds since `before`, and of them in the kernel (sys): `s1 1.20 (sys 0.30)`. */
const cpuDelta = (lab: DdmLab, before: Map<string, [number, number]>): string =>
  lab
    .all()
    .map((r) => {
      const [all, sys] = cpuSplit(r.proc?.child.pid);
      const [all0, sys0] = before.get(r.name) ?? [0, 0];
      return `${r.name} ${(all - all0).toFixed(2)} (sys ${(sys - sys0).toFixed(2)})`;
    })
    .join(", ");
/** CLOCK_MONOTONIC µs, the clock of V8's profile timestamps. */
const mono = (): string => (process.hrtime.bigint() / 1000n).toString();
const progress = (ps: readonly Progress[]): string =>
  ps.map((p) => `${p.router} ${p.good}/${p.want} good, ${p.routes} routes`).join("; ");

/** The observation's resolution: polls of all routers, and the mean time one took. */
const polled = (p: Polls, cpu0: NodeJS.CpuUsage): string => {
  const c = process.cpuUsage(cpu0);
  return `${p.passes} polls of ${(p.busyMs / Math.max(1, p.passes)).toFixed(0)} ms, bench CPU ${((c.user + c.system) / 1e6).toFixed(2)} s (sys ${(c.system / 1e6).toFixed(2)})`;
};

/** Log lines seen so far per router, to report only what a measurement caused. */
const mark = (lab: DdmLab): Map<string, number> =>
  new Map(lab.all().map((r) => [r.name, r.proc?.lines.length ?? 0]));

/** Warnings and state transitions each daemon logged since `since` (why a run was slow or failed). */
function trouble(lab: DdmLab, since: Map<string, number>): string {
  return lab
    .all()
    .map((r) => {
      const lines = (r.proc?.lines ?? [])
        .slice(since.get(r.name) ?? 0)
        .filter((l) => Number(l["level"] ?? 0) >= 40 || String(l.msg ?? "").includes(" -> "));
      const counts = new Map<string, number>();
      for (const l of lines) {
        const e = l["error"];
        const why =
          l["outcome"] ??
          l["reason"] ??
          (typeof e === "object" && e !== null ? JSON.stringify(e) : undefined);
        const k = `${String(l.msg)}${why === undefined ? "" : ` (${String(why)})`}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      return `  ${r.name}: ${[...counts].map(([k, n]) => `${n}× ${k}`).join("; ")}`;
    })
    .join("\n");
}

/** Sessions that fell out of Exchange since `since`, over all routers. */
const flaps = (lab: DdmLab, since: Map<string, number>): number =>
  lab
    .all()
    .reduce(
      (n, r) =>
        n +
        (r.proc?.lines ?? [])
          .slice(since.get(r.name) ?? 0)
          .filter((l) => String(l.msg ?? "").includes("exchange -> ")).length,
      0,
    );

/** Kernel route writes per router so far (`magnetite_ddm_kernel_route_writes_total`), for `--verbose`. */
async function kernelWrites(lab: DdmLab): Promise<string> {
  const rows = await Promise.all(
    lab.all().map(async (r) => {
      const m = await lab.api(r, "GET", "/metrics");
      const text = typeof m.body === "string" ? m.body : "";
      const v = (result: string): string =>
        new RegExp(`^magnetite_ddm_kernel_route_writes_total\\{result="${result}"\\} (\\S+)`, "m").exec(
          text,
        )?.[1] ?? "0";
      const sum = (direction: string): number => {
        let n = 0;
        for (const x of text.matchAll(
          new RegExp(
            `^magnetite_ddm_exchange_path_vectors_total\\{[^}]*direction="${direction}"[^}]*\\} (\\S+)`,
            "gm",
          ),
        ))
          n += Number(x[1]);
        return n;
      };
      return `${r.name} ${v("written")} written / ${v("skipped")} skipped, vectors in ${sum("received")} pushed + ${sum("pulled")} pulled, out ${sum("sent")}`;
    }),
  );
  return `  kernel route writes so far: ${rows.join(", ")}`;
}

/**
 * Unix ms of each router's last kernel write batch (`magnetite_ddm_kernel_last_write_timestamp_seconds`).
 * The convergence instant is the latest of them, once a full dump has shown every table right:
 * the tables cannot have become right before the last write landed, and nothing changed after.
 */
async function lastKernelWrite(lab: DdmLab, since = 0): Promise<number> {
  const at = await Promise.all(
    lab.all().map(async (r) => {
      const m = await lab.api(r, "GET", "/metrics");
      const text = typeof m.body === "string" ? m.body : "";
      const v = /^magnetite_ddm_kernel_last_write_timestamp_seconds (\S+)/m.exec(text)?.[1];
      return v === undefined ? 0 : Number(v) * 1000;
    }),
  );
  if (values.verbose && since > 0)
    console.log(
      `  last kernel write per router (ms): ${lab
        .all()
        .map((r, i) => `${r.name} ${((at[i] ?? 0) - since).toFixed(0)}`)
        .join(", ")}`,
    );
  return Math.max(...at);
}

/** CPU seconds each router has used so far (from /proc; costs the daemons nothing). */
const cpuTotals = (lab: DdmLab): number[] => lab.all().map((r) => cpuSplit(r.proc?.child.pid)[0]);

/**
 * Gate for the kernel polls: open once no router used more than `QUIET_SHARE` of a core since
 * the previous look. It reads /proc, not the daemons: a `/metrics` scrape of six daemons every
 * 250 ms took measurable CPU from the routers under test (the scrape handler was ~3 % of a
 * server's profile). A pause mid-convergence only costs one table poll that fails.
 */
const QUIET_SHARE = 0.05;
function whenQuiet(lab: DdmLab): () => Promise<boolean> {
  let last: number[] = [];
  let at = performance.now();
  return async () => {
    const now = cpuTotals(lab);
    const t = performance.now();
    const limit = ((t - at) / 1000) * QUIET_SHARE;
    const quiet = last.length === now.length && now.every((c, i) => c - (last[i] ?? 0) <= limit);
    last = now;
    at = t;
    return quiet;
  };
}

async function until(what: string, ms: number, f: () => Promise<boolean>): Promise<void> {
  const end = performance.now() + ms;
  while (!(await f())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function exchange(lab: DdmLab, r: Router): Promise<boolean> {
  const p = await lab.api(r, "GET", "/ddm/interfaces");
  return (
    p.status === 200 && (p.body as { state: string }[]).every((x) => x.state.toLowerCase() === "exchange")
  );
}

async function bench(n: number, round: number): Promise<void> {
  const lab = new DdmLab(4, { "drift-check-interval": "30s", "expire-threshold": values.expire });
  const extra = values["daemon-flags"].split(" ").filter((f) => f !== "");
  const flags = (r: Router): string[] => [
    ...extra,
    ...(values.profile === undefined
      ? []
      : ["--cpu-prof", "--cpu-prof-dir", join(values.profile, `n${n}-r${round}`, r.name)]),
  ];
  let conv: Convergence | undefined;
  const tag = `n=${n} round ${round}`;
  try {
    await Promise.all(lab.all().map((r) => lab.start(r, "info", flags(r))));
    for (const r of lab.all()) await until(`${r.name} in Exchange`, 30_000, () => exchange(lab, r));
    conv = await Convergence.open(lab);
    conv.prepare(n);
    const quietMs = await machineQuiet();
    if (values.verbose) console.log(`${tag}: machine quiet after ${quietMs.toFixed(0)} ms`);

    const cpu0 = cpuOf(lab);
    const load0 = load();
    const logs0 = mark(lab);
    const m0 = mono();
    const benchCpu0 = process.cpuUsage();
    const wall0 = Date.now();
    const t0 = performance.now();
    const puts = await Promise.all(
      lab.servers.map(async (s, i) => {
        const r = await lab.api(s, "PUT", "/prefix", serverPrefixes(i + 1, n));
        if (r.status !== 204) throw new Error(`PUT on ${s.name}: ${r.status} ${JSON.stringify(r.body)}`);
        return performance.now() - t0;
      }),
    );
    const c = await conv.wait(lab.all(), n, 2, t0, timeoutMs, POLL_MS, whenQuiet(lab));
    const putMs = Math.max(...puts).toFixed(0);
    if (values.profile !== undefined || values.verbose)
      console.log(`${tag}: converge window --from ${m0} --to ${mono()}`);
    if (c.ok)
      console.log(
        `${tag}: announce → converged ${(await lastKernelWrite(lab, wall0)) - wall0} ms at the last kernel write (all tables seen right at ${c.ms.toFixed(0)} ms; slowest PUT answered at ${putMs} ms; sessions lost ${flaps(lab, logs0)}; ${polled(c.polls, benchCpu0)}); load ${load0} → ${load()}; CPU s: ${cpuDelta(lab, cpu0)}`,
      );
    else {
      console.log(`${tag}: NOT converged in ${timeoutMs} ms; load ${load()}; ${progress(c.progress)}`);
      console.log(trouble(lab, logs0));
      return;
    }
    if (values.verbose) console.log(`${trouble(lab, logs0)}\n${await kernelWrites(lab)}`);
    if (values["skip-restart"]) return;

    const t1 = lab.transits[0];
    if (t1 === undefined) return;
    await lab.kill(t1, "SIGKILL");
    const k0 = performance.now();
    const single = await conv.wait(lab.servers, n, 1, k0, timeoutMs, POLL_MS);
    if (!single.ok) {
      console.log(`${tag}: servers not single-homed after t1 died; ${progress(single.progress)}`);
      return;
    }
    const cpu1 = cpuOf(lab);
    const load1 = load();
    const logs1 = mark(lab);
    const ms0 = mono();
    const benchCpu1 = process.cpuUsage();
    const wallS0 = Date.now();
    const s0 = performance.now();
    await lab.start(t1, "info", flags(t1));
    const startedMs = performance.now() - s0;
    const back = await conv.wait(lab.all(), n, 2, s0, timeoutMs, POLL_MS, whenQuiet(lab));
    if (values.profile !== undefined || values.verbose)
      console.log(`${tag}: restore window --from ${ms0} --to ${mono()}`);
    if (back.ok)
      console.log(
        `${tag}: t1 restart → restored ${(await lastKernelWrite(lab, wallS0)) - wallS0} ms at the last kernel write (all tables seen right at ${back.ms.toFixed(0)} ms; spawn → "magnetite started" ${startedMs.toFixed(0)} ms; t1 down → single-homed ${single.ms.toFixed(0)} ms; sessions lost ${flaps(lab, logs1)}; ${polled(back.polls, benchCpu1)}); load ${load1} → ${load()}; CPU s: ${cpuDelta(lab, cpu1)}`,
      );
    if (back.ok && values.verbose) console.log(`${trouble(lab, logs1)}\n${await kernelWrites(lab)}`);
    else if (!back.ok) {
      console.log(`${tag}: NOT restored in ${timeoutMs} ms; ${progress(back.progress)}`);
      console.log(trouble(lab, logs1));
    }
  } finally {
    conv?.close();
    await lab.shutdown(values.profile === undefined ? "SIGKILL" : "SIGTERM");
  }
}

const cpu = cpus();
console.log(
  `machine: ${cpu.length}× ${cpu[0]?.model ?? "?"}, node ${process.version}, daemon ${DAEMON_ENTRY}${
    DAEMON_ENTRY.endsWith(".ts") ? " (through tsx: run the compiled bench to measure the daemon)" : ""
  }, expire threshold ${values.expire}, load ${load()}`,
);
for (const n of sizes.length > 0 ? sizes : [1000, 10_000])
  for (let round = 1; round <= rounds; round++) await bench(n, round);
