/**
 * Summarise V8 `.cpuprofile` files (from `node --cpu-prof`, as
 * `run.ts --profile DIR` writes them): self time per function, heaviest
 * first, with the share of the sampled time. Idle and GC are listed like
 * functions ("(idle)", "(garbage collector)").
 *
 *   node --import tsx bench/ddm/profile-top.ts FILE.cpuprofile … [--top N]
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs } from "node:util";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const { values, positionals } = parseArgs({
  options: { top: { type: "string", default: "25" } },
  allowPositionals: true,
});

for (const file of positionals) {
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const frame = new Map<number, string>();
  for (const n of p.nodes) {
    const f = n.callFrame;
    const where = f.url === "" ? "" : ` ${basename(f.url)}:${f.lineNumber + 1}`;
    frame.set(n.id, `${f.functionName || "(anonymous)"}${where}`);
  }
  // Sample i lasted until sample i+1: attribute timeDeltas[i + 1] to samples[i].
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const us = p.timeDeltas[i + 1] ?? 0;
    const k = frame.get(p.samples[i] ?? -1) ?? "?";
    self.set(k, (self.get(k) ?? 0) + us);
    total += us;
  }
  const idle = self.get("(idle)") ?? 0;
  console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled, ${((total - idle) / 1e6).toFixed(2)} s busy`);
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
  for (const [k, us] of rows)
    console.log(
      `  ${(us / 1e3).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`,
    );
}
