/**
 * BFD scale benchmark: N single-hop sessions between two magnetite nodes in network namespaces
 * (one process each), then the same N between magnetite and FRR bfdd. Per round it prints
 * sessions Up, false Downs (a session leaving Up while both peers run), CPU % and RSS of each
 * node, the event loop's delay, the kernel's UDP receive drops; then detection lateness after the
 * peer is killed (ms past the Detection Time, p50/p99/max) and CPU per session against FRR's.
 * Every figure line carries the load average: other work on the machine shows in it.
 *
 *   npm run build   # or: npx tsc -p bench/bfd/tsconfig.json (this bench's files only)
 *   node dist/bench/bfd/run.js --n 2000 --interval-ms 300 --seconds 120 --rounds 2 [--no-frr]
 *        [--prof DIR]   # write a --cpu-prof profile of node A to DIR
 *        [--frr-only]   # skip the magnetite↔magnetite phase
 *        [--node-flag=--heapsnapshot-signal=SIGUSR2]   # more flags for node A (repeatable)
 *        [--nice=-10]   # run both nodes and FRR bfdd at this niceness (a loaded machine
 *                       # otherwise stalls an idle process's event loop for 100s of ms)
 *
 * Needs root, iproute2 and (for the comparison) FRR. Everything created is removed at exit.
 */
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { FrrSide } from "./frr-side.js";
import { BenchLab, backlogDrops, cpuSeconds, load, machine, pct, rssMiB } from "./lab.js";
import { COMPILED, NodeProc, type Reply } from "./node-proc.js";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "500" },
    "interval-ms": { type: "string", default: "300" },
    mult: { type: "string", default: "3" },
    seconds: { type: "string", default: "120" },
    rounds: { type: "string", default: "1" },
    "no-frr": { type: "boolean", default: false },
    "frr-only": { type: "boolean", default: false },
    prof: { type: "string" },
    "node-flag": { type: "string", multiple: true, default: [] },
    nice: { type: "string", default: "0" },
  },
});
const N = Number(values.n);
const INTERVAL = Number(values["interval-ms"]);
const MULT = Number(values.mult);
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
/** Scheduling niceness of both magnetite nodes and of FRR bfdd (the same for all). */
const NICE = Number(values.nice);
const UP_LIMIT_MS = 60_000 + N * 30;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const f1 = (x: unknown) => Number(x).toFixed(1);

/** UDP receive errors of a namespace's kernel (RcvbufErrors: a full socket buffer). */
function udpErrors(ns: string): { inErrors: number; rcvbuf: number } {
  const t = execFileSync("ip", ["netns", "exec", ns, "cat", "/proc/net/snmp"], { encoding: "utf8" });
  const rows = t.split("\n").filter((l) => l.startsWith("Udp:"));
  const head = (rows[0] ?? "").split(/\s+/);
  const vals = (rows[1] ?? "").split(/\s+/).map(Number);
  const get = (k: string) => vals[head.indexOf(k)] ?? Number.NaN;
  return { inErrors: get("InErrors"), rcvbuf: get("RcvbufErrors") };
}

async function waitUp(what: string, count: () => Promise<number>, ms: number): Promise<number> {
  const t0 = performance.now();
  let lastLog = t0;
  for (;;) {
    const up = await count();
    if (up === N) return performance.now() - t0;
    if (performance.now() - t0 > ms) throw new Error(`${what}: only ${up}/${N} Up after ${ms} ms`);
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      console.log(`  … ${what}: ${up}/${N} Up after ${f1((lastLog - t0) / 1000)} s (load ${load()})`);
    }
    await sleep(1000);
  }
}

const upOf = async (node: NodeProc) =>
  ((await node.ask({ t: "status" }))["states"] as Record<string, number>)["Up"] ?? 0;

function nodeLine(name: string, s: Reply, ns: string, udp0: { rcvbuf: number }): string {
  const udp = udpErrors(ns);
  return (
    `${name}: false Downs ${s["falseDowns"]}, not Up ${N - ((s["states"] as Record<string, number>)["Up"] ?? 0)}, ` +
    `CPU ${f1(s["cpuPercent"])}% (user ${f1(s["userPercent"])}%), RSS ${Number(s["rssMiB"]).toFixed(0)} MiB ` +
    `(heap ${Number(s["heapMiB"]).toFixed(0)}), ` +
    `loop delay p99 ${f1(s["loopDelayP99Ms"])} ms max ${f1(s["loopDelayMaxMs"])} ms, ` +
    `kernel rcvbuf drops ${udp.rcvbuf - udp0.rcvbuf}, drops ${JSON.stringify(s["drops"])}, send failures ${s["sendFailures"]}` +
    `\n    list ${f1(s["listMs"])} ms, GC ${JSON.stringify(s["gc"], (_k, v: unknown) => (typeof v === "number" ? Math.round(v) : v))}` +
    `${(s["leftUp"] as string[]).length > 0 ? `; left Up at ${(s["leftUp"] as string[]).join(" ")}` : ""}`
  );
}

async function ours(
  lab: BenchLab,
  a: NodeProc,
  nodeArgs: (side: 0 | 1) => ConstructorParameters<typeof NodeProc>[0],
) {
  let b: NodeProc | undefined = new NodeProc(nodeArgs(1), [], NICE);
  try {
    await b.ready;
    const upMs = await waitUp("magnetite↔magnetite", () => upOf(a), UP_LIMIT_MS);
    console.log(`magnetite↔magnetite: all ${N} Up after ${f1(upMs / 1000)} s (load ${load()})`);
    await sleep(3000); // the post-Up Polls finish
    for (let r = 1; r <= ROUNDS; r++) {
      const loadBefore = load();
      const [ua, ub] = [udpErrors(lab.nsA), udpErrors(lab.nsB)];
      const bd = backlogDrops();
      await a.ask({ t: "mark" });
      await b.ask({ t: "mark" });
      await sleep(SECONDS * 1000);
      const [sa, sb] = [await a.ask({ t: "status" }), await b.ask({ t: "status" })];
      console.log(
        `round ${r}/${ROUNDS} ${SECONDS}s, load ${loadBefore} → ${load()}, kernel backlog drops ${backlogDrops() - bd}`,
      );
      console.log(`  ${nodeLine("A", sa, lab.nsA, ua)}`);
      console.log(`  ${nodeLine("B", sb, lab.nsB, ub)}`);
      for (const [name, st] of [
        ["A", sa],
        ["B", sb],
      ] as const) {
        console.log(
          `  ${name}: ${f1(st["readPerSec"])} datagrams/s read, ${f1(st["receivedPerSec"])} packets/s to sessions, ` +
            `${f1(st["sentPerSec"])} sent; CPU per session ${((Number(st["cpuPercent"]) * 10) / N).toFixed(3)} ms/s`,
        );
      }
    }
    // Detection: note A's clock, kill B at once, collect A's Downs by expiry.
    const since = Number((await a.ask({ t: "now" }))["now"]);
    await b.kill();
    b = undefined;
    await sleep(INTERVAL * MULT + 2000);
    const d = await a.ask({ t: "detections", since });
    const late = d["late"] as number[];
    console.log(
      `detection after peer kill: ${late.length}/${N} Down by expiry; ms past the Detection Time ` +
        `p50=${f1(pct(late, 50))} p99=${f1(pct(late, 99))} max=${f1(Math.max(...late))} (load ${load()})`,
    );
  } finally {
    await b?.kill();
  }
}

async function versusFrr(lab: BenchLab, a: NodeProc): Promise<void> {
  const frr = new FrrSide(lab.nsB, N, INTERVAL, MULT, NICE);
  try {
    await frr.start();
    const upMs = await waitUp(
      "magnetite↔FRR",
      async () => {
        const up = await upOf(a);
        return up === N ? (frr.states()["up"] ?? 0) : up;
      },
      UP_LIMIT_MS,
    );
    console.log(`magnetite↔FRR: all ${N} Up on both sides after ${f1(upMs / 1000)} s (load ${load()})`);
    await sleep(3000);
    const pid = frr.pid;
    for (let r = 1; r <= ROUNDS; r++) {
      const loadBefore = load();
      const ua = udpErrors(lab.nsA);
      const fb0 = udpErrors(lab.nsB);
      const bd = backlogDrops();
      await a.ask({ t: "mark" });
      const c0 = frr.sessionDowns();
      const cpu0 = cpuSeconds(pid);
      const t0 = performance.now();
      await sleep(SECONDS * 1000);
      const sa = await a.ask({ t: "status" });
      const frrPct = ((cpuSeconds(pid) - cpu0) / ((performance.now() - t0) / 1000)) * 100;
      const c1 = frr.sessionDowns();
      const fst = frr.states();
      const fb = udpErrors(lab.nsB);
      console.log(
        `round ${r}/${ROUNDS} vs FRR ${SECONDS}s, load ${loadBefore} → ${load()}, kernel backlog drops ${backlogDrops() - bd}`,
      );
      console.log(`  ${nodeLine("magnetite", sa, lab.nsA, ua)}`);
      console.log(
        `  FRR bfdd: false Downs ${c1.downs - c0.downs}, not Up ${N - (fst["up"] ?? 0)}, CPU ${f1(frrPct)}%, ` +
          `RSS ${rssMiB(pid).toFixed(0)} MiB, kernel rcvbuf drops ${fb.rcvbuf - fb0.rcvbuf}, ` +
          `rx ${c1.rx - c0.rx} tx ${c1.tx - c0.tx}`,
      );
      console.log(`  CPU per session ours/FRR = ${(Number(sa["cpuPercent"]) / frrPct).toFixed(2)}`);
    }
  } finally {
    await frr.stop();
  }
}

async function main(): Promise<void> {
  console.log(
    `# bfd bench: N=${N} interval=${INTERVAL}ms mult=${MULT} window=${SECONDS}s×${ROUNDS} nice=${NICE}; ${machine()}; ` +
      `${COMPILED ? "compiled" : "FROM SOURCE (tsx): not representative"}; load ${load()}`,
  );
  const lab = new BenchLab(N);
  lab.setup();
  const nodeArgs = (side: 0 | 1) => ({
    netns: side === 0 ? lab.nsA : lab.nsB,
    side,
    n: N,
    intervalUs: INTERVAL * 1000,
    mult: MULT,
  });
  const prof = values.prof === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", values.prof];
  prof.push(...values["node-flag"]);
  const a = new NodeProc(nodeArgs(0), prof, NICE);
  process.once("SIGINT", () => {
    lab.teardown();
    process.exit(130);
  });
  try {
    await a.ready;
    if (!values["frr-only"]) await ours(lab, a, nodeArgs);
    if (!values["no-frr"]) await versusFrr(lab, a);
  } finally {
    await a.stop();
    lab.teardown();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
