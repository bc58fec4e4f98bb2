/**
 * Actor runtime benchmark: the wrapper against raw nact 7.6.2, side by side.
 * Run: node --import tsx bench/actors/run.ts [--quick]
 *
 * Scenarios (median of RUNS, wrapper and nact alternated to share noise):
 *  1. messages/s through one actor (tell N, wait until the last is handled);
 *  2. messages/s across 10,000 actors (round-robin tells);
 *  3. ask round trip p50/p99 (sequential asks; nact `query` for the baseline).
 * Throughput is reported on wall time and on process CPU time (user+system);
 * on a shared machine the CPU-time ratio is the one to trust.
 * Target from the task: wrapper cost ≤ 1.3× raw nact's.
 */
import { cpus, totalmem } from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import nact from "nact";
import { type ActorRef, ask, createActorSystem } from "../../actors/runtime/index.js";

const quick = process.argv.includes("--quick");
const RUNS = quick ? 3 : 7;
const ONE_N = quick ? 50_000 : 200_000;
const MANY = 10_000;
const PER = quick ? 5 : 20;
const ASKS = quick ? 2_000 : 10_000;

// Collect garbage before each timed region so one contender's setup/teardown
// garbage is not charged to the other's measurement.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};

/** Wall and process CPU time (ms); CPU time is the fairer figure on a shared, loaded machine. */
type Timing = { wall: number; cpu: number };
function startTimer(): () => Timing {
  const w = performance.now();
  const c = process.cpuUsage();
  return () => {
    const d = process.cpuUsage(c);
    return { wall: performance.now() - w, cpu: (d.user + d.system) / 1000 };
  };
}

type Done = { promise: Promise<void>; hit: () => void };
function countdown(n: number): Done {
  let left = n;
  let hit = (): void => {};
  const promise = new Promise<void>((resolve) => {
    hit = () => {
      left -= 1;
      if (left === 0) resolve();
    };
  });
  return { promise, hit };
}

/** Wrapper: `actors` actors, `per` messages each; returns ms from first tell to last handled. */
async function wrapperThroughput(actors: number, per: number): Promise<Timing> {
  const system = createActorSystem({ onFatal: () => {} });
  const done = countdown(actors * per);
  const spec = {
    kind: "bench",
    mailbox: { capacity: Math.max(1024, per) },
    init: () => 0,
    receive: (s: number, _m: number) => {
      done.hit();
      return s + 1;
    },
  };
  const refs: Array<ActorRef<number>> = [];
  for (let i = 0; i < actors; i++) refs.push(system.spawn(spec, `a${i}`));
  await system.whenIdle();
  gc();
  const t0 = startTimer();
  for (let k = 0; k < per; k++) for (const r of refs) r.tell(k);
  await done.promise;
  const t = t0();
  await system.stop();
  return t;
}

/** Raw nact with the same shape. */
async function nactThroughput(actors: number, per: number): Promise<Timing> {
  const sys = nact.start();
  const done = countdown(actors * per);
  const refs: Array<nact.Ref<number>> = [];
  for (let i = 0; i < actors; i++) {
    refs.push(
      nact.spawn(
        sys,
        (s: number | undefined, _m: number) => {
          done.hit();
          return (s ?? 0) + 1;
        },
        `a${i}`,
      ),
    );
  }
  gc();
  const t0 = startTimer();
  for (let k = 0; k < per; k++) for (const r of refs) nact.dispatch(r, k);
  await done.promise;
  const t = t0();
  nact.stop(sys);
  return t;
}

type Q = { replyTo: ActorRef<number> };
async function wrapperAsk(n: number): Promise<number[]> {
  const system = createActorSystem({ onFatal: () => {} });
  const a = system.spawn(
    {
      kind: "echo",
      init: () => 0,
      receive: (s: number, m: Q) => {
        m.replyTo.tell(s);
        return s + 1;
      },
    },
    "echo",
  );
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await ask<Q, number>(a, (replyTo) => ({ replyTo }), 1000);
    lat.push((performance.now() - t0) * 1000);
  }
  await system.stop();
  return lat;
}

async function nactAsk(n: number): Promise<number[]> {
  const sys = nact.start();
  const a = nact.spawn(
    sys,
    (s: number | undefined, m: { replyTo: nact.Ref<number> }) => {
      nact.dispatch(m.replyTo, s ?? 0);
      return (s ?? 0) + 1;
    },
    "echo",
  );
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await nact.query(a, (replyTo: nact.Ref<number>) => ({ replyTo }), 1000);
    lat.push((performance.now() - t0) * 1000);
  }
  nact.stop(sys);
  return lat;
}

async function pair(
  label: string,
  total: number,
  w: () => Promise<Timing>,
  n: () => Promise<Timing>,
): Promise<void> {
  const ws: Timing[] = [];
  const ns: Timing[] = [];
  await w(); // warm-up both paths once
  await n();
  for (let i = 0; i < RUNS; i++) {
    ws.push(await w());
    ns.push(await n());
  }
  const rate = (ms: number): string => `${Math.round(total / (ms / 1000)).toLocaleString("en-US")}/s`;
  for (const k of ["wall", "cpu"] as const) {
    const wm = median(ws.map((t) => t[k]));
    const nm = median(ns.map((t) => t[k]));
    console.log(
      `${`${label} [${k}]`.padEnd(40)} wrapper ${rate(wm).padStart(11)}  nact ${rate(nm).padStart(11)}  cost ratio ${(wm / nm).toFixed(2)}×`,
    );
  }
}

async function main(): Promise<void> {
  const c = cpus();
  console.log(
    `machine: ${c.length} × ${c[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`,
  );
  console.log(`runs: median of ${RUNS}${quick ? " (quick)" : ""}; messages/s\n`);
  await pair(
    `one actor, ${ONE_N.toLocaleString("en-US")} msgs`,
    ONE_N,
    () => wrapperThroughput(1, ONE_N),
    () => nactThroughput(1, ONE_N),
  );
  await pair(
    `${MANY.toLocaleString("en-US")} actors × ${PER} msgs`,
    MANY * PER,
    () => wrapperThroughput(MANY, PER),
    () => nactThroughput(MANY, PER),
  );
  await wrapperAsk(500);
  await nactAsk(500);
  const wl = await wrapperAsk(ASKS);
  const nl = await nactAsk(ASKS);
  const f = (x: number): string => `${x.toFixed(1)} µs`;
  console.log(
    `${`ask round trip (${ASKS.toLocaleString("en-US")} sequential)`.padEnd(40)} wrapper p50 ${f(pct(wl, 50))} p99 ${f(pct(wl, 99))}   nact query p50 ${f(pct(nl, 50))} p99 ${f(pct(nl, 99))}`,
  );
}

await main();
