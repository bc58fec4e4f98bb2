/**
 * CPU cost of the probes alone, without actors or metrics: `--rate` probes
 * per second of one kind, spread evenly (one timer chain per simulated
 * backend, like the actors' schedule), against the benchmark listeners in a
 * child process. The difference between this and `run.ts` is what the actor
 * layer and the metrics add per probe.
 *
 * Run: node --import tsx bench/health/probe-cost.ts [--kind tcp|http] [--rate R] [--seconds S] [--rounds N]
 */
import { fork } from "node:child_process";
import { createHttpProbe, createTcpProbe, type Probe } from "../../dataplane/probes/index.js";
import { DEFAULT_STATUS_SET, parseStatusSet } from "../../protocols/health/index.js";
import { load1 } from "./proc.js";

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : (process.argv[i + 1] ?? dflt);
};
const kind = arg("--kind", "tcp");
const rate = Number(arg("--rate", "1000"));
const seconds = Number(arg("--seconds", "10"));
const rounds = Number(arg("--rounds", "3"));

const servers = fork(new URL("./servers.ts", import.meta.url), [], { execArgv: ["--import", "tsx"] });
await new Promise<void>((r) => servers.on("message", (m: { t: string }) => m.t === "ready" && r()));
const ports = await new Promise<{ tcpPort: number; httpPort: number }>((r) => {
  servers.on("message", (m: { t: string; tcpPort: number; httpPort: number }) => m.t === "ports" && r(m));
  servers.send({ t: "ports" });
});

const expect = parseStatusSet(DEFAULT_STATUS_SET);
if (!expect.ok) throw new Error(expect.error.message);
const probe: Probe =
  kind === "http"
    ? createHttpProbe({ port: ports.httpPort, timeoutMs: 1000, expect: expect.value })
    : createTcpProbe({ port: ports.tcpPort, timeoutMs: 1000 });

// `rate` chains with a 1 s period, started at random phases, like the actors after their first probe.
let done = 0;
let failed = 0;
let running = true;
const signal = new AbortController().signal;
const target = { address: "127.0.0.1" };
function chain(): void {
  void probe.run(target, signal).then((r) => {
    done += 1;
    if (!r.ok) failed += 1;
    if (running) setTimeout(chain, 1000);
  });
}
for (let i = 0; i < rate; i++) setTimeout(chain, Math.random() * 1000);
await new Promise((r) => setTimeout(r, 3000));

for (let round = 1; round <= rounds; round++) {
  const [c0, d0, t0, l0] = [process.cpuUsage(), done, performance.now(), load1()];
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const [c, n, wall] = [process.cpuUsage(c0), done - d0, performance.now() - t0];
  console.log(
    `${kind} round ${round} [load ${l0}→${load1()}]: ${n} probes (${((n / wall) * 1000).toFixed(0)}/s, ${failed} failed); ` +
      `user ${(c.user / n).toFixed(1)} + sys ${(c.system / n).toFixed(1)} = ${((c.user + c.system) / n).toFixed(1)} µs/probe`,
  );
}
running = false;
servers.send({ t: "exit" });
await new Promise((r) => setTimeout(r, 1200));
