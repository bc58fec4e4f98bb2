/**
 * LB reconciler benchmark through the VPP emulator (real API socket):
 * 1,000 frontends × 16 backends each (16,000 ASes).
 *
 *  1. cold sync: operation count (must equal the minimal set: one vip-add
 *     per frontend + one as-add per backend) and wall time;
 *  2. steady state: a second full sync must write nothing;
 *  3. transition latency: backend state change → the emulator receiving the
 *     write, p50/p99 (target p99 < 5 ms);
 *  4. full drift-check time (read + diff of everything, no writes).
 *
 * Run: `node --import tsx bench/lb/run.ts [frontends] [backends-per-frontend] [samples]`.
 * Prints figures and the machine; never gates CI.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import {
  LbService,
  ManualBackendStates,
  MemoryCollection,
  type OwnedVip,
  type WeightOverride,
} from "../../actors/lb/index.js";
import { createActorSystem } from "../../actors/runtime/index.js";
import { VppLbDataplane } from "../../dataplane/vpp/vpp-lb-dataplane.js";
import { millis } from "../../protocols/common/time.js";
import type { FrontendSpec } from "../../protocols/lb/desired.js";
import { ip } from "../../protocols/lb/ip.js";
import { VppEmulator } from "../../tests/fixtures/vpp/emulator.js";

const FRONTENDS = Number(process.argv[2] ?? 1000);
const PER = Number(process.argv[3] ?? 16);
const SAMPLES = Number(process.argv[4] ?? 300);

function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!pred()) {
    if (performance.now() > end) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

const backendName = (f: number, b: number): string => `b${f}-${b}`;
const backendAddr = (f: number, b: number): string => `10.${(f >> 8) & 0xff}.${f & 0xff}.${b + 1}`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "magnetite-bench-lb-"));
  const emu = await VppEmulator.start({ socketPath: join(dir, "api.sock") });
  // Timestamp every LB write the emulator receives.
  const writeTimes: number[] = [];
  const push = emu.writes.push.bind(emu.writes);
  emu.writes.push = (...items: string[]): number => {
    for (const _ of items) writeTimes.push(performance.now());
    return push(...items);
  };

  const frontends: FrontendSpec[] = [];
  const initial: [string, "up"][] = [];
  for (let f = 0; f < FRONTENDS; f++) {
    const members = [];
    for (let b = 0; b < PER; b++) {
      members.push({ backend: backendName(f, b), address: ip(backendAddr(f, b)), weight: 100 });
      initial.push([backendName(f, b), "up"]);
    }
    frontends.push({
      name: `fe${f}`,
      address: ip(`198.18.${(f >> 8) & 0xff}.${f & 0xff}`),
      protocol: 6,
      port: 80,
      srcIpSticky: false,
      flushOnDown: true,
      // Two tiers of 8, so transitions exercise failover as well as weights.
      pools: [
        { name: "primary", members: members.slice(0, PER / 2) },
        { name: "fallback", members: members.slice(PER / 2) },
      ],
    });
  }

  const system = createActorSystem({ onFatal: (e) => console.error("fatal", e) });
  const states = new ManualBackendStates(initial);
  const dp = new VppLbDataplane({ socketPath: emu.socketPath, pingIntervalMs: 0 });
  const svc = new LbService({
    actors: system,
    dataplane: dp,
    states,
    overrides: new MemoryCollection<WeightOverride>(),
    owned: new MemoryCollection<OwnedVip>(),
    logger: pino({ level: "warn" }),
  });

  console.log(
    `machine: ${cpus()[0]?.model ?? "?"} × ${cpus().length}, node ${process.version}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log(`scale: ${FRONTENDS} frontends × ${PER} backends = ${FRONTENDS * PER} ASes`);

  // 1. Cold sync.
  const t0 = performance.now();
  await svc.start({
    frontends,
    settings: { syncIntervalMs: 3_600_000, warmup: { minDelay: millis(0), maxDelay: millis(0) }, conf: {} },
  });
  const minimal = FRONTENDS + FRONTENDS * PER;
  await until(() => emu.writes.length >= minimal, 120_000, "cold sync");
  await system.whenIdle();
  const coldMs = performance.now() - t0;
  const coldOps = emu.writes.length;
  const kinds = {
    vip: emu.writes.filter((w) => w.startsWith("vip+")).length,
    as: emu.writes.filter((w) => w.startsWith("as+")).length,
  };
  console.log(
    `cold sync: ${coldOps} ops (minimal ${minimal}: ${kinds.vip} vip-add + ${kinds.as} as-add) in ${coldMs.toFixed(0)} ms` +
      ` — ${coldOps === minimal ? "MINIMAL" : "NOT MINIMAL"}`,
  );

  // 2. Steady state: a full sync writes nothing. 4. Its duration is the drift-check time.
  const before = emu.writes.length;
  const drift: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const r = await svc.sync(60_000);
    drift.push(performance.now() - t);
    if (!r.ran) throw new Error(`sync did not run: ${r.suppressed}`);
  }
  console.log(`steady-state full sync writes: ${emu.writes.length - before} (must be 0)`);
  console.log(
    `full drift check (read + diff, ${FRONTENDS} VIPs): ${drift.map((d) => d.toFixed(0)).join(" / ")} ms`,
  );

  // 3. Transition → write latency. Flip a fallback backend (a weight-0 standby → down is a flush,
  // down → up goes back to 0 without a write) or a primary one (100 → 0 → 100), one at a time.
  const lat: number[] = [];
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < SAMPLES; i++) {
    const f = rand(FRONTENDS);
    const b = rand(PER / 2); // primary members: both directions change the weight
    const name = backendName(f, b);
    for (const to of ["down", "up"] as const) {
      const n = writeTimes.length;
      const t = performance.now();
      states.set(name, to);
      await until(() => writeTimes.length > n, 5_000, `write for ${name} ${to}`);
      lat.push((writeTimes[n] ?? t) - t);
    }
  }
  lat.sort((a, b) => a - b);
  console.log(
    `transition → write latency over ${lat.length} transitions: p50 ${pct(lat, 50).toFixed(2)} ms, p90 ${pct(lat, 90).toFixed(2)} ms, p99 ${pct(lat, 99).toFixed(2)} ms, max ${(lat.at(-1) ?? 0).toFixed(2)} ms (target p99 < 5 ms)`,
  );
  console.log(`rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);

  await svc.stop();
  await system.stop({ deadlineMs: 5000 });
  await emu.stop();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
