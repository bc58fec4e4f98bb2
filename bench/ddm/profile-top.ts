/**
 * Summarise V8 `.cpuprofile` files (from `node --cpu-prof`, as
 * `run.ts --profile DIR` writes them): self time per function, heaviest
 * first, with the share of the sampled time. Idle and GC are listed like
 * functions ("(idle)", "(garbage collector)"). `--from`/`--to` keep only
 * the samples in a window of CLOCK_MONOTONIC microseconds (V8's profile
 * timestamps and `process.hrtime` share that clock; `run.ts --profile`
 * prints each measured window), and `--buckets MS` prints busy time per
 * bucket, to see whether a daemon was working or waiting.
 *
 *   node --import tsx bench/ddm/profile-top.ts FILE.cpuprofile … [--top N] [--from US --to US] [--buckets MS]
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs } from "node:util";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  readonly startTime: number;
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const { values, positionals } = parseArgs({
  options: {
    top: { type: "string", default: "25" },
    from: { type: "string", default: "0" },
    to: { type: "string", default: "Infinity" },
    buckets: { type: "string" },
  },
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
  const from = Number(values.from);
  const to = Number(values.to);
  const bucketUs = values.buckets === undefined ? 0 : Number(values.buckets) * 1000;
  const busy = new Map<number, number>();
  let total = 0;
  let at = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i] ?? 0;
    if (at < from || at > to) continue;
    const us = p.timeDeltas[i + 1] ?? 0;
    const k = frame.get(p.samples[i] ?? -1) ?? "?";
    self.set(k, (self.get(k) ?? 0) + us);
    total += us;
    if (bucketUs > 0 && k !== "(idle)") {
      const b = Math.floor((at - (from > 0 ? from : p.startTime)) / bucketUs);
      busy.set(b, (busy.get(b) ?? 0) + us);
    }
  }
  const idle = self.get("(idle)") ?? 0;
  console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled, ${((total - idle) / 1e6).toFixed(2)} s busy`);
  if (bucketUs > 0)
    console.log(
      `  busy ms per ${values.buckets} ms: ${[...busy]
        .sort((a, b) => a[0] - b[0])
        .map(([b, us]) => `${b}:${(us / 1e3).toFixed(0)}`)
        .join(" ")}`,
    );
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
  for (const [k, us] of rows)
    console.log(
      `  ${(us / 1e3).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`,
    );
}
