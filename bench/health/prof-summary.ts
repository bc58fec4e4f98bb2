/**
 * Summarise a V8 `.cpuprofile` (written by `run.ts --cpu-prof DIR`): self time
 * by source area (nact, prom-client, the runtime, the health actors, the
 * core, node internals, GC) and the heaviest functions, both as a share of
 * the non-idle samples and as µs per probe when `--probes N` is given.
 *
 * Run: node --import tsx bench/health/prof-summary.ts FILE.cpuprofile [--probes N] [--top K]
 *
 * Self time only: a sample is charged to the function on top of the stack,
 * so "node internals" includes the timer and immediate machinery the actor
 * path calls into, and `(garbage collector)` is allocation pressure from
 * everywhere.
 */
import { readFileSync } from "node:fs";

type Node = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
};
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

const file = process.argv[2];
if (file === undefined) throw new Error("usage: prof-summary.ts FILE.cpuprofile [--probes N] [--top K]");
const arg = (name: string): number | undefined => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : Number(process.argv[i + 1]);
};
const probes = arg("--probes");
const top = arg("--top") ?? 30;

const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
// timeDeltas[i] is the time before sample i; charge it to that sample's node.
for (let i = 0; i < p.samples.length; i++) {
  const id = p.samples[i] as number;
  selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
}

function area(n: Node): string {
  const { url, functionName } = n.callFrame;
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  if (url.includes("/nact/")) return "nact";
  if (url.includes("/denque/")) return "nact (denque)";
  if (url.includes("/prom-client/")) return "prom-client";
  if (url.includes("/pino")) return "pino";
  if (url.includes("/actors/runtime/")) return `runtime ${url.slice(url.lastIndexOf("/") + 1)}`;
  if (url.includes("/actors/health/")) return `health ${url.slice(url.lastIndexOf("/") + 1)}`;
  if (url.includes("/protocols/")) return `protocols ${url.slice(url.indexOf("/protocols/") + 11)}`;
  if (url.includes("/dataplane/")) return `dataplane ${url.slice(url.lastIndexOf("/") + 1)}`;
  if (url.includes("/bench/")) return `bench ${url.slice(url.lastIndexOf("/") + 1)}`;
  if (url.startsWith("node:")) return `node ${url.slice(5)}`;
  return url;
}

const areas = new Map<string, number>();
const fns = new Map<string, number>();
let busy = 0;
for (const [id, us] of selfUs) {
  const n = byId.get(id);
  if (n === undefined) continue;
  if (n.callFrame.functionName === "(idle)") continue;
  busy += us;
  const a = area(n);
  areas.set(a, (areas.get(a) ?? 0) + us);
  const f = `${n.callFrame.functionName || "(anonymous)"} ${a}:${n.callFrame.lineNumber + 1}`;
  fns.set(f, (fns.get(f) ?? 0) + us);
}

const fmt = (us: number): string => {
  const pct = ((us / busy) * 100).toFixed(1).padStart(5);
  const per = probes === undefined ? "" : ` ${(us / probes).toFixed(2).padStart(7)} µs/probe`;
  return `${pct} %${per}`;
};
const wall = p.endTime - p.startTime;
console.log(
  `${file}: ${(wall / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(2)} s busy (${((busy / wall) * 100).toFixed(1)} %)` +
    (probes === undefined ? "" : `, ${probes} probes → ${(busy / probes).toFixed(1)} µs/probe busy`),
);
console.log("by area (self time):");
for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`  ${fmt(us)}  ${a}`);
console.log(`top ${top} functions (self time):`);
for (const [f, us] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`  ${fmt(us)}  ${f}`);
