/**
 * BFD scale benchmark: N single-hop sessions between two magnetite nodes in network namespaces
 * (one process each), then the same N between magnetite and FRR bfdd. Prints, per run:
 * sessions Up, false Downs during the window, CPU % and RSS of each node, detection lateness
 * after the peer is killed (ms past the Detection Time, p50/p99/max), and CPU per session
 * against FRR's.
 *
 *   node --import tsx bench/bfd/run.ts --n 2000 --interval-ms 300 --seconds 120 [--no-frr]
 *
 * Needs root, iproute2 and (for the comparison) FRR. Everything created is removed at exit.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { Frr } from "../../tests/integration/bfd/frr.js";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "500" },
    "interval-ms": { type: "string", default: "300" },
    mult: { type: "string", default: "3" },
    seconds: { type: "string", default: "120" },
    "no-frr": { type: "boolean", default: false },
  },
});
const N = Number(values.n);
const INTERVAL = Number(values["interval-ms"]);
const MULT = Number(values.mult);
const SECONDS = Number(values.seconds);
const NS_A = `bfdbench-a${process.pid}`;
const NS_B = `bfdbench-b${process.pid}`;

/** Address `i` of side 0 (A, 10.90.0.0/16) or 1 (B, 10.91.0.0/16). */
function addr(i: number, side: 0 | 1): string {
  const idx = i + 1;
  return `10.${90 + side}.${idx >> 8}.${idx & 255}`;
}

function sh(...args: string[]): void {
  execFileSync(args[0] as string, args.slice(1), { stdio: "ignore" });
}

function setup(): void {
  sh("ip", "netns", "add", NS_A);
  sh("ip", "netns", "add", NS_B);
  sh("ip", "link", "add", "bbA", "netns", NS_A, "type", "veth", "peer", "name", "bbB", "netns", NS_B);
  // Session addresses sit on loopback behind one route per side, so each side needs a single
  // neighbour entry: thousands of on-link addresses would overflow the ARP table (gc_thresh2 is 512).
  for (const [ns, dev, side] of [
    [NS_A, "bbA", 0],
    [NS_B, "bbB", 1],
  ] as const) {
    sh("ip", "-n", ns, "link", "set", "lo", "up");
    sh("ip", "-n", ns, "addr", "add", `10.89.0.${side + 1}/30`, "dev", dev);
    sh("ip", "-n", ns, "link", "set", dev, "up");
    sh("ip", "-n", ns, "route", "add", `10.${91 - side}.0.0/16`, "via", `10.89.0.${2 - side}`);
    const batch = Array.from({ length: N }, (_, i) => `addr add ${addr(i, side)}/32 dev lo`).join("\n");
    execFileSync("ip", ["-n", ns, "-batch", "-"], { input: `${batch}\n` });
  }
}

function teardown(): void {
  for (const ns of [NS_A, NS_B]) {
    try {
      sh("ip", "netns", "del", ns);
    } catch {
      // gone
    }
  }
}

type Reply = Record<string, unknown> & { t: string };

class NodeProc {
  readonly child: ChildProcess;
  readonly ready: Promise<Reply>;
  private waiters: { t: string; resolve: (r: Reply) => void }[] = [];
  constructor(ns: string, side: 0 | 1) {
    const pairs = Array.from({ length: N }, (_, i) => [addr(i, side), addr(i, side === 0 ? 1 : 0)]);
    const arg = JSON.stringify({ netns: ns, pairs, intervalUs: INTERVAL * 1000, mult: MULT });
    this.child = spawn(
      process.execPath,
      ["--import", "tsx", new URL("./node.ts", import.meta.url).pathname, arg],
      {
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      },
    );
    this.child.on("message", (m: Reply) => {
      const w = this.waiters.find((x) => x.t === m.t);
      if (w === undefined) return;
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve(m);
    });
    this.ready = this.next("ready");
  }
  next(t: string, ms = 120_000): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${t} reply`)), ms);
      this.waiters.push({
        t,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      });
    });
  }
  async ask(req: Reply, ms?: number): Promise<Reply> {
    const p = this.next(req.t, ms);
    this.child.send(req);
    return p;
  }
  async kill(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const e = once(this.child, "exit");
    this.child.kill("SIGKILL");
    await e;
  }
}

async function waitAllUp(node: NodeProc, ms: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const s = await node.ask({ t: "status" });
    const up = (s["states"] as Record<string, number>)["Up"] ?? 0;
    if (up === N) return performance.now() - t0;
    if (performance.now() - t0 > ms) throw new Error(`only ${up}/${N} Up after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function frrCpuSeconds(pid: number): number {
  const f = execFileSync("cat", [`/proc/${pid}/stat`], { encoding: "utf8" });
  const parts = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return (Number(parts[11]) + Number(parts[12])) / 100; // utime + stime in clock ticks (100 Hz)
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  console.log(
    `# bfd bench: N=${N} interval=${INTERVAL}ms mult=${MULT} window=${SECONDS}s; ${cpus().length}× ${cpus()[0]?.model ?? "?"}; node ${process.version}; load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  setup();
  const a = new NodeProc(NS_A, 0);
  let b: NodeProc | undefined = new NodeProc(NS_B, 1);
  let frr: Frr | undefined;
  try {
    await a.ready;
    await b.ready;
    const upMs = await waitAllUp(a, 60_000 + N * 20);
    console.log(`magnetite↔magnetite: all ${N} Up after ${(upMs / 1000).toFixed(1)} s`);
    await new Promise((r) => setTimeout(r, 3000)); // let the post-Up Polls finish
    await a.ask({ t: "mark" });
    await b.ask({ t: "mark" });
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const sa = await a.ask({ t: "status" });
    const sb = await b.ask({ t: "status" });
    const ours = Number(sa["cpuPercent"]);
    console.log(
      `window ${SECONDS}s: false Downs A=${sa["falseDowns"]} B=${sb["falseDowns"]}; CPU A=${ours.toFixed(1)}% B=${Number(sb["cpuPercent"]).toFixed(1)}%; RSS A=${Number(sa["rssMiB"]).toFixed(0)} MiB B=${Number(sb["rssMiB"]).toFixed(0)} MiB; states A=${JSON.stringify(sa["states"])} send failures A=${sa["sendFailures"]} drops A=${JSON.stringify(sa["drops"])}`,
    );
    // Detection: mark A's clock, kill B at once, collect A's Down instants.
    const now = Number((await a.ask({ t: "now" }))["now"]);
    await b.kill();
    b = undefined;
    await new Promise((r) => setTimeout(r, INTERVAL * MULT + 2000));
    const d = await a.ask({ t: "detections", since: now });
    const late = d["late"] as number[];
    console.log(
      `detection after peer kill: ${late.length}/${N} Down by expiry; ms past the Detection Time p50=${pct(late, 50).toFixed(1)} p99=${pct(late, 99).toFixed(1)} max=${Math.max(...late).toFixed(1)}`,
    );
    if (!values["no-frr"]) {
      const lines = ["frr defaults traditional", "hostname bench", "!", "bfd"];
      for (let i = 0; i < N; i++) {
        lines.push(` peer ${addr(i, 0)} local-address ${addr(i, 1)}`);
        lines.push(
          `  receive-interval ${INTERVAL}`,
          `  transmit-interval ${INTERVAL}`,
          `  detect-multiplier ${MULT}`,
          "  no shutdown",
          " !",
        );
      }
      lines.push("!", "");
      frr = new Frr(NS_B, lines.join("\n"));
      await frr.start();
      const frrUp = await waitAllUp(a, 60_000 + N * 20);
      console.log(`magnetite↔FRR: all ${N} Up after ${(frrUp / 1000).toFixed(1)} s`);
      await new Promise((r) => setTimeout(r, 3000));
      const pid = Number(execFileSync("cat", [`${frr.dir}/bfdd.pid`], { encoding: "utf8" }).trim());
      await a.ask({ t: "mark" });
      const f0 = frrCpuSeconds(pid);
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, SECONDS * 1000));
      const fa = await a.ask({ t: "status" });
      const frrPct = ((frrCpuSeconds(pid) - f0) / ((performance.now() - t0) / 1000)) * 100;
      const ourPct = Number(fa["cpuPercent"]);
      const frrDown = frr.peers().filter((p) => p.status !== "up").length;
      console.log(
        `window ${SECONDS}s vs FRR: false Downs ours=${fa["falseDowns"]} FRR not-up=${frrDown}; CPU ours=${ourPct.toFixed(1)}% FRR bfdd=${frrPct.toFixed(1)}%; CPU per session ours/FRR = ${(ourPct / frrPct).toFixed(2)}`,
      );
    }
  } finally {
    await b?.kill();
    await a.kill();
    await frr?.stop();
    teardown();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  teardown();
  process.exitCode = 1;
});
