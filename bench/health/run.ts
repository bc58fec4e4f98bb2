/**
 * Health-check benchmark: 5,000 backends (half TCP connect, half HTTP GET)
 * probed every second against loopback listeners in a child process, first
 * by our actors, then by HAProxy with the same servers and `check inter 1s`.
 *
 * Run: node --import tsx bench/health/run.ts [--backends N] [--seconds S] [--no-haproxy]
 *
 * Figures: probe scheduling lateness (p50/p99/max: how late each probe
 * started after its scheduled instant), checker CPU % of one core, RSS, and
 * CPU per probe; probes are counted server-side for both checkers. HAProxy
 * runs with `nbthread 1` (our checker is one event loop) and two backend
 * sections (tcp-check and httpchk cannot be mixed per server in one
 * backend). HAProxy's TCP checks are not visible to the listener (they are
 * reset before accept), so its probe count is the measured HTTP checks
 * scaled to both halves. Targets: p99 lateness < 50 ms; our CPU per probe
 * ≤ 2× HAProxy's.
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { buildProbe } from "../../actors/health/probe-factory.js";
import { HealthService } from "../../actors/health/service.js";
import type { AdminStore } from "../../actors/health/admin-store.js";
import type { BackendSpec } from "../../actors/health/types.js";
import { createActorSystem } from "../../actors/runtime/index.js";

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const N = arg("--backends", 5000);
const SECONDS = arg("--seconds", 20);
const WARMUP_MS = 5000;
const withHaproxy = !process.argv.includes("--no-haproxy");

type Counts = { tcp: number; http: number };

function startServers(): Promise<{ child: ChildProcess; tcpPort: number; httpPort: number }> {
  const child = fork(new URL("./servers.ts", import.meta.url), [], { execArgv: ["--import", "tsx"] });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.on("message", (m: { t: string; tcpPort: number; httpPort: number }) => {
      if (m.t === "ready") resolve({ child, tcpPort: m.tcpPort, httpPort: m.httpPort });
    });
  });
}

function counts(child: ChildProcess): Promise<Counts> {
  return new Promise((resolve) => {
    const on = (m: { t: string } & Counts) => {
      if (m.t !== "counts") return;
      child.off("message", on);
      resolve({ tcp: m.tcp, http: m.http });
    };
    child.on("message", on);
    child.send({ t: "counts" });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? Number.NaN
    : (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number);
};

const memoryAdmin: AdminStore = {
  get: () => undefined,
  put: async () => undefined,
  delete: async () => false,
};

async function runOurs(tcpPort: number, httpPort: number, servers: ChildProcess) {
  const system = createActorSystem({
    onFatal: (e) => console.error("fatal", e),
    logger: pino({ level: "silent" }),
  });
  const timing = { interval: 1000, fastInterval: 1000, downInterval: 1000, timeout: 1000, rise: 2, fall: 3 };
  const specs: BackendSpec[] = [];
  for (let i = 0; i < N; i++) {
    const http = i % 2 === 1;
    specs.push({
      name: `b${i}`,
      address: "127.0.0.1",
      healthcheck: http ? "web" : "tcp",
      check: http ? { type: "http", port: httpPort, ...timing } : { type: "tcp", port: tcpPort, ...timing },
      enabled: true,
    });
  }
  let measuring = false;
  const lateness: number[] = [];
  const pinger = { echo: async () => ({ ok: false as const, kind: "error" as const, detail: "unused" }) };
  const service = new HealthService({
    actors: system,
    admin: memoryAdmin,
    logger: pino({ level: "silent" }),
    makeProbe: (c) => buildProbe(c, { pinger }),
    onProbeStart: (late) => {
      if (measuring) lateness.push(late);
    },
  });
  service.start(specs);
  await sleep(WARMUP_MS);
  const c0 = await counts(servers);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  measuring = true;
  await sleep(SECONDS * 1000);
  measuring = false;
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  const c1 = await counts(servers);
  const rows = await service.list();
  const up = rows.filter((r) => r.state === "up").length;
  const rss = process.memoryUsage().rss;
  await service.stop();
  await system.stop();
  const probes = c1.tcp - c0.tcp + (c1.http - c0.http);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { probes, cpuMs, wall, lateness, rss, up };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const a = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return typeof a === "object" && a !== null ? a.port : 0;
}

async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14, 15 of proc(5))
}

async function runHaproxy(tcpPort: number, httpPort: number, servers: ChildProcess) {
  const dir = await mkdtemp(join(tmpdir(), "magnetite-bench-haproxy-"));
  const lines = [
    "global",
    "  nbthread 1",
    "  maxconn 4000",
    "defaults",
    "  timeout connect 1s",
    "  timeout client 5s",
    "  timeout server 5s",
    "  timeout check 1s",
    "frontend fe",
    "  mode tcp",
    `  bind 127.0.0.1:${await freePort()}`,
    "  default_backend be_tcp",
    "backend be_tcp",
    "  mode tcp",
  ];
  const http: string[] = ["backend be_http", "  mode http", "  option httpchk GET /"];
  for (let i = 0; i < N; i++) {
    if (i % 2 === 1) http.push(`  server b${i} 127.0.0.1:${httpPort} check inter 1s`);
    else lines.push(`  server b${i} 127.0.0.1:${tcpPort} check inter 1s`);
  }
  const cfg = join(dir, "haproxy.cfg");
  await writeFile(cfg, `${[...lines, ...http].join("\n")}\n`);
  const hp = spawn("haproxy", ["-db", "-f", cfg], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  hp.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  try {
    await sleep(WARMUP_MS);
    if (hp.exitCode !== null || hp.pid === undefined) throw new Error(`haproxy exited: ${stderr}`);
    const c0 = await counts(servers);
    const k0 = await cpuTicks(hp.pid);
    const t0 = performance.now();
    await sleep(SECONDS * 1000);
    const k1 = await cpuTicks(hp.pid);
    const wall = performance.now() - t0;
    const c1 = await counts(servers);
    const status = await readFile(`/proc/${hp.pid}/status`, "utf8");
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    // HAProxy's layer-4 check resets the connection as soon as it is established, before
    // the listener accepts it (measured: the TCP listener sees 0 accepts), so TCP checks
    // cannot be counted server-side. Its scheduler treats both backends alike, so the
    // TCP rate is taken from the measured HTTP rate, scaled by the server counts.
    const httpProbes = c1.http - c0.http;
    const probes = httpProbes + Math.round((httpProbes * Math.ceil(N / 2)) / Math.floor(N / 2));
    // CLK_TCK is 100 on Linux for every mainstream architecture.
    return { probes, cpuMs: (k1 - k0) * 10, wall, rss: rssKb * 1024 };
  } finally {
    hp.kill("SIGTERM");
    await rm(dir, { recursive: true, force: true });
  }
}

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
const cpuInfo = cpus();
console.log(
  `machine: ${cpuInfo.length} × ${cpuInfo[0]?.model ?? "?"}, node ${process.version}; ${N} backends (${Math.ceil(N / 2)} tcp, ${Math.floor(N / 2)} http), inter 1s, window ${SECONDS}s after ${WARMUP_MS / 1000}s warm-up`,
);
const servers = await startServers();
try {
  const ours = await runOurs(servers.tcpPort, servers.httpPort, servers.child);
  const oursPerProbe = ours.cpuMs / ours.probes;
  console.log(
    `magnetite: ${ours.probes} probes (${((ours.probes / ours.wall) * 1000).toFixed(0)}/s), up ${ours.up}/${N}; ` +
      `lateness p50 ${pct(ours.lateness, 50).toFixed(1)} ms, p99 ${pct(ours.lateness, 99).toFixed(1)} ms, max ${Math.max(...ours.lateness).toFixed(1)} ms; ` +
      `CPU ${((ours.cpuMs / ours.wall) * 100).toFixed(1)} % of a core, ${(oursPerProbe * 1000).toFixed(1)} µs/probe; RSS ${mb(ours.rss)}`,
  );
  if (withHaproxy) {
    const hp = await runHaproxy(servers.tcpPort, servers.httpPort, servers.child);
    const hpPerProbe = hp.cpuMs / hp.probes;
    console.log(
      `haproxy:   ${hp.probes} probes (${((hp.probes / hp.wall) * 1000).toFixed(0)}/s); CPU ${((hp.cpuMs / hp.wall) * 100).toFixed(1)} % of a core, ` +
        `${(hpPerProbe * 1000).toFixed(1)} µs/probe; RSS ${mb(hp.rss)}`,
    );
    console.log(
      `ratio: our CPU per probe / HAProxy's = ${(oursPerProbe / hpPerProbe).toFixed(2)} (target ≤ 2); p99 lateness target < 50 ms`,
    );
  }
} finally {
  servers.child.send({ t: "exit" });
}
