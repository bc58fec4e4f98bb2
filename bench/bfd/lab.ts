/**
 * The benchmark's network: two namespaces joined by one veth pair, with N session addresses per
 * side on loopback behind one route, so each side needs a single neighbour entry (thousands of
 * on-link addresses would overflow the ARP table: gc_thresh2 is 512). Also the machine facts and
 * /proc readings printed with every figure.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";

/** Address `i` of side 0 (A, 10.90.0.0/16) or 1 (B, 10.91.0.0/16). */
export function addr(i: number, side: 0 | 1): string {
  const idx = i + 1;
  return `10.${90 + side}.${idx >> 8}.${idx & 255}`;
}

function sh(...args: string[]): void {
  execFileSync(args[0] as string, args.slice(1), { stdio: "ignore" });
}

/** Two namespaces named after this process, created by `setup` and removed by `teardown`. */
export class BenchLab {
  readonly nsA = `bfpA${process.pid}`;
  readonly nsB = `bfpB${process.pid}`;

  constructor(private readonly n: number) {}

  setup(): void {
    const { nsA, nsB } = this;
    sh("ip", "netns", "add", nsA);
    sh("ip", "netns", "add", nsB);
    sh("ip", "link", "add", "bbA", "netns", nsA, "type", "veth", "peer", "name", "bbB", "netns", nsB);
    for (const [ns, dev, side] of [
      [nsA, "bbA", 0],
      [nsB, "bbB", 1],
    ] as const) {
      sh("ip", "-n", ns, "link", "set", "lo", "up");
      sh("ip", "-n", ns, "addr", "add", `10.89.0.${side + 1}/30`, "dev", dev);
      sh("ip", "-n", ns, "link", "set", dev, "up");
      sh("ip", "-n", ns, "route", "add", `10.${91 - side}.0.0/16`, "via", `10.89.0.${2 - side}`);
      const batch = Array.from({ length: this.n }, (_, i) => `addr add ${addr(i, side)}/32 dev lo`);
      execFileSync("ip", ["-n", ns, "-batch", "-"], { input: `${batch.join("\n")}\n` });
    }
  }

  teardown(): void {
    for (const ns of [this.nsA, this.nsB]) {
      try {
        sh("ip", "netns", "del", ns);
      } catch {
        // already gone
      }
    }
  }
}

/** The 1/5/15-minute load averages, two decimals. */
export function load(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join("/");
}

/** One line describing the machine, for the head of the output. */
export function machine(): string {
  const c = cpus();
  return `${c.length}× ${c[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}, node ${process.version}`;
}

/** CPU seconds (user + system) a process has used, from /proc/PID/stat (clock ticks of 100 Hz). */
export function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8");
  const parts = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return (Number(parts[11]) + Number(parts[12])) / 100;
}

/** Resident set size of a process in MiB, from /proc/PID/status. */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m === null ? Number.NaN : Number(m[1]) / 1024;
}

/** The p-th percentile (nearest rank) of `xs`; NaN when empty. */
export function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}

/** Packets the kernel dropped because a CPU's input backlog was full (netdev_max_backlog), all CPUs. */
export function backlogDrops(): number {
  let n = 0;
  for (const line of readFileSync("/proc/net/softnet_stat", "utf8").trim().split("\n")) {
    n += Number.parseInt(line.split(" ")[1] ?? "0", 16);
  }
  return n;
}
