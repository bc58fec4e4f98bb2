/**
 * The checker under test, as its own process (forked by `run.ts`), so that it
 * is measured exactly like HAProxy: its CPU and RSS are its own, and the
 * loopback listeners (`servers.ts`) and the orchestrator are billed elsewhere.
 *
 * It starts the real health service (supervisor, one actor per backend, the
 * production probe factory) and answers `mark` messages over IPC with what
 * happened since the previous mark:
 *
 * - lateness of every probe start = actual start − scheduled start, as seen
 *   by the backend actor when the timer's message is handled (the probe's
 *   socket is opened in the same turn);
 * - probes completed = the growth of `magnetite_health_probes_total` (every
 *   result the actors recorded, pass or fail);
 * - CPU (user, system; all threads, from `process.cpuUsage`) and the main
 *   thread's CPU and run-queue wait (procfs).
 *
 * Argv: backends, tcpPort, httpPort, and optionally `noop`: probes that pass at
 * once without touching the network, to measure what the actor layer, the
 * core and the metrics cost per probe on their own.
 *
 * `MAGNETITE_BENCH_ALLOC_PROF=FILE` in the environment: sample allocations
 * (V8's sampling heap profiler, counting objects already collected, i.e. what
 * was allocated rather than what is still alive) from the first mark to exit,
 * and write them to FILE (`.heapprofile`, for DevTools).
 * `MAGNETITE_BENCH_CPU_PROF=FILE`: a CPU profile of the same span (steady
 * state only, unlike `run.ts --cpu-prof`, which includes start-up), for
 * `prof-summary.ts`.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { pino } from "pino";
import type { AdminStore } from "../../actors/health/admin-store.js";
import { buildProbe } from "../../actors/health/probe-factory.js";
import { HealthService } from "../../actors/health/service.js";
import type { BackendSpec } from "../../actors/health/types.js";
import { createActorSystem } from "../../actors/runtime/index.js";
import type { Probe } from "../../dataplane/probes/index.js";
import { ok } from "../../protocols/common/result.js";
import { millis } from "../../protocols/common/time.js";
import { probePass } from "../../protocols/health/probe-result.js";
import { cpuMs, schedMs } from "./proc.js";

const [n, tcpPort, httpPort] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const noop = process.argv[5] === "noop";
const noopProbe: Probe = {
  kind: "tcp",
  run: () => Promise.resolve(probePass("noop", millis(0))),
};

const memoryAdmin: AdminStore = {
  get: () => undefined,
  put: async () => undefined,
  delete: async () => false,
};

const system = createActorSystem({
  onFatal: (e) => console.error("fatal", e),
  logger: pino({ level: "silent" }),
});
// HAProxy's `check inter 1s` with its defaults (fastinter = downinter = inter, timeout = inter).
const timing = { interval: 1000, fastInterval: 1000, downInterval: 1000, timeout: 1000, rise: 2, fall: 3 };
const specs: BackendSpec[] = [];
for (let i = 0; i < n; i++) {
  const http = i % 2 === 1;
  specs.push({
    name: `b${i}`,
    address: "127.0.0.1",
    healthcheck: http ? "web" : "tcp",
    check: http ? { type: "http", port: httpPort, ...timing } : { type: "tcp", port: tcpPort, ...timing },
    enabled: true,
  });
}

// Preallocated so that recording lateness costs the checker next to nothing.
let lateness = new Float64Array(1 << 16);
let count = 0;
const pinger = { echo: async () => ({ ok: false as const, kind: "error" as const, detail: "unused" }) };
const service = new HealthService({
  actors: system,
  admin: memoryAdmin,
  logger: pino({ level: "silent" }),
  makeProbe: (c) => (noop ? ok(noopProbe) : buildProbe(c, { pinger })),
  onProbeStart: (late) => {
    if (count === lateness.length) {
      const bigger = new Float64Array(lateness.length * 2);
      bigger.set(lateness);
      lateness = bigger;
    }
    lateness[count++] = late;
  },
});
service.start(specs);

async function completed(): Promise<number> {
  const m = system.registry.getSingleMetric("magnetite_health_probes_total");
  if (m === undefined) return Number.NaN;
  const v = await m.get();
  return v.values.reduce((s, x) => s + x.value, 0);
}

function percentiles(): { p50: number; p99: number; max: number; n: number } {
  const xs = lateness.subarray(0, count).sort();
  const at = (p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), max: xs[xs.length - 1] ?? Number.NaN, n: xs.length };
}

/** Readings since the previous mark. The costly queries run before the clocks are read. */
async function mark(withStates: boolean) {
  const up = withStates ? (await service.list()).filter((r) => r.state === "up").length : Number.NaN;
  const done = await completed();
  const cpu = process.cpuUsage();
  const sched = schedMs(process.pid);
  const out = {
    t: "mark",
    at: performance.now(),
    userMs: cpu.user / 1000,
    systemMs: cpu.system / 1000,
    mainThreadMs: cpuMs(process.pid, process.pid),
    waitMs: sched.wait,
    completed: done,
    lateness: percentiles(),
    rss: process.memoryUsage().rss,
    up,
  };
  count = 0;
  return out;
}

const allocFile = process.env["MAGNETITE_BENCH_ALLOC_PROF"];
const cpuFile = process.env["MAGNETITE_BENCH_CPU_PROF"];
let allocSession: Session | undefined;
function post(method: string, params: object = {}): Promise<unknown> {
  return new Promise((resolve, reject) =>
    allocSession?.post(method, params, (e, r) => (e === null ? resolve(r) : reject(e))),
  );
}
async function allocStart(): Promise<void> {
  if ((allocFile === undefined && cpuFile === undefined) || allocSession !== undefined) return;
  allocSession = new Session();
  allocSession.connect();
  if (allocFile !== undefined) {
    await post("HeapProfiler.startSampling", {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  if (cpuFile !== undefined) {
    await post("Profiler.enable");
    await post("Profiler.start");
  }
}
async function allocStop(): Promise<void> {
  if (allocSession === undefined) return;
  if (allocFile !== undefined) {
    const r = (await post("HeapProfiler.stopSampling")) as { profile: unknown };
    writeFileSync(allocFile, JSON.stringify(r.profile));
  }
  if (cpuFile !== undefined) {
    const r = (await post("Profiler.stop")) as { profile: unknown };
    writeFileSync(cpuFile, JSON.stringify(r.profile));
  }
}

process.on("message", (m: { t: string; states?: boolean }) => {
  if (m.t === "mark")
    void mark(m.states === true)
      .then(async (r) => {
        await allocStart();
        return r;
      })
      .then((r) => process.send?.(r));
  if (m.t === "exit")
    void allocStop()
      .then(() => service.stop())
      .then(() => system.stop().then(() => process.exit(0)));
});
// An orchestrator that dies must not leave us running.
process.on("disconnect", () => process.exit(0));
process.send?.({ t: "ready" });
