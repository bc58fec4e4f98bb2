/**
 * Start-up and shutdown time of the compiled daemon on its embedded default
 * (the "serves /healthz … within 5 s"; "SIGTERM exits 0 within the
 * deadline"). Run after `npm run build`:
 *   node --import tsx bench/daemon/startup.ts [RUNS]
 * Prints per-run figures and the median, plus the machine.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";

const runs = Number(process.argv[2] ?? "5");
const ENDPOINTS = ["/healthz", "/readyz", "/openapi.json", "/metrics", "/actors"];

async function oneRun(stateDir: string): Promise<{ readyMs: number; stopMs: number; code: number | null }> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [
      "bin/magnetite.js",
      "daemon",
      "--config",
      "deploy/default.yaml",
      "--state-dir",
      stateDir,
      "--api",
      "127.0.0.1:0",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let buf = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      buf += c;
      const m = /"port":(\d+),"msg":"API listening"/.exec(buf);
      if (m !== null) resolve(Number(m[1]));
    });
    child.once("exit", () => reject(new Error("daemon exited before listening")));
  });
  for (const path of ENDPOINTS) {
    const r = await fetch(`http://127.0.0.1:${port}${path}`);
    if (r.status !== 200) throw new Error(`${path} answered ${r.status}`);
    await r.arrayBuffer();
  }
  const readyMs = performance.now() - t0;
  const s0 = performance.now();
  child.kill("SIGTERM");
  const [code] = (await once(child, "exit")) as [number | null];
  return { readyMs, stopMs: performance.now() - s0, code };
}

const dir = await mkdtemp(join(tmpdir(), "mgt-bench-start-"));
const results: { readyMs: number; stopMs: number; code: number | null }[] = [];
for (let i = 0; i < runs; i += 1) results.push(await oneRun(join(dir, `s${i}`)));
await rm(dir, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? "?"}, node ${process.version}`);
for (const [i, r] of results.entries()) {
  console.log(
    `run ${i}: all 5 endpoints 200 after ${r.readyMs.toFixed(0)} ms; SIGTERM → exit ${r.code} in ${r.stopMs.toFixed(0)} ms`,
  );
}
console.log(
  `median: ready ${median(results.map((r) => r.readyMs)).toFixed(0)} ms (target < 5000), ` +
    `stop ${median(results.map((r) => r.stopMs)).toFixed(0)} ms (deadline 10000)`,
);
