/**
 * Health-check benchmark (issue 6): N backends (half TCP connect, half HTTP
 * GET) probed every second against loopback listeners, by our health
 * service and by HAProxy with the same servers and `check inter 1s`.
 *
 * Run (as root for the private network namespace; see below):
 *   node --import tsx bench/health/run.ts [--backends N] [--seconds S] [--rounds R] [--no-haproxy] [--no-netns]
 *     [--noop-probes] [--tsx] [--cpu-prof DIR] [--checker-flags "NODE FLAGS"]
 * `--noop-probes`: probes that pass at once (what actors, core and metrics cost alone);
 * `--tsx`: run the checker from source instead of the tsc output (see `compiledTree`);
 * `--cpu-prof DIR`: write a V8 CPU profile of each checker process into DIR (open it in
 * Chrome DevTools, or summarise it with `bench/health/prof-summary.ts`); `--checker-flags`:
 * extra node flags for the checker (e.g. `--perf-basic-prof` for `perf record`).
 *
 * Three processes per phase, so nobody is billed for another's work: the
 * listeners (`servers.ts`, shared by both checkers), the checker under test
 * (`checker.ts` or `haproxy`), and this orchestrator, which only sleeps and
 * reads procfs. Every round runs ours, then HAProxy, each on a fresh process
 * after a warm-up; the load average is printed with every figure because the
 * machine is shared.
 *
 * Figures per checker:
 * - probes: probes in the window. In the private namespace this is the
 *   kernel's count of connections initiated (tcpActiveOpens, RFC 4022; one per
 *   probe), the same count for both checkers; ours is cross-checked with the
 *   actors' result counter and the listeners' counts, HAProxy's health with
 *   its stats socket (servers UP).
 *   Outside it, HAProxy's layer-4 checks cannot be seen by the listener (it
 *   aborts with a reset right after the handshake, before accept), so its
 *   count falls back to the HTTP half scaled to both halves.
 * - CPU: the checker process's user + system time over the window (all
 *   threads), and CPU per probe = that / probes completed.
 * - lateness (ours): actual start − scheduled start of every probe, p50/p99/max;
 *   with the main thread's run-queue wait (time runnable but not running,
 *   from schedstat): on an overloaded machine that wait is lateness we cannot
 *   remove.
 * - RSS at the end of the window.
 *
 * The private namespace (`unshare --net`, root only) also keeps TIME_WAIT
 * sockets and TCP counters of other processes on the machine out of the
 * measurement; it disappears with the process. Targets: p99 lateness < 50 ms;
 * our CPU per probe ≤ 2× HAProxy's.
 */
import { type ChildProcess, execFileSync, fork, spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { activeOpens, cpuMs, load1, loadAll, rssBytes, schedMs, timeWaitSockets } from "./proc.js";

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const N = arg("--backends", 5000);
const SECONDS = arg("--seconds", 20);
const ROUNDS = arg("--rounds", 3);
const WARMUP_MS = arg("--warmup", 5) * 1000;
const noopProbes = process.argv.includes("--noop-probes");
const withHaproxy = !process.argv.includes("--no-haproxy") && !noopProbes;
const argText = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const cpuProfDir = argText("--cpu-prof");
const checkerFlags = [
  ...(cpuProfDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", cpuProfDir]),
  ...(argText("--checker-flags")
    ?.split(" ")
    .filter((f) => f !== "") ?? []),
];
const NETNS_ENV = "MAGNETITE_BENCH_NETNS";
const inNetns = process.env[NETNS_ENV] === "1";

if (!inNetns && !process.argv.includes("--no-netns") && process.getuid?.() === 0) {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(
    "unshare",
    ["--net", "--", process.execPath, ...process.execArgv, self, ...process.argv.slice(2)],
    { stdio: "inherit", env: { ...process.env, [NETNS_ENV]: "1" } },
  );
  if (r.error === undefined) process.exit(r.status ?? 1);
  console.log(`unshare failed (${r.error.message}); running in the current namespace`);
}
if (inNetns) execFileSync("ip", ["link", "set", "lo", "up"]);

type Counts = { tcp: number; http: number };
type Mark = {
  at: number;
  userMs: number;
  systemMs: number;
  mainThreadMs: number;
  waitMs: number;
  completed: number;
  lateness: { p50: number; p99: number; max: number; n: number };
  rss: number;
  up: number;
};
type Figures = {
  probes: number;
  perS: number;
  cpuPct: number;
  usPerProbe: number;
  rssMiB: number;
  p99: number;
  load: string;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Send `msg` and wait for the first reply of type `t`. */
function request<T>(child: ChildProcess, msg: object, t: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { t: string }) => {
      if (m.t !== t) return;
      child.off("message", on);
      resolve(m as T);
    };
    child.on("message", on);
    child.send(msg);
  });
}

/**
 * Where the child processes' code comes from. Production runs the tsc output
 * (`bin/magnetite.js` loads `dist/`), so by default the checker is compiled
 * the same way into a private directory: running it through tsx instead adds
 * a `__name` helper call (an `Object.defineProperty`) to every closure created,
 * which is not what the daemon pays. `--tsx` runs the sources directly.
 */
async function compiledTree(): Promise<{ dir: string; outDir: string } | undefined> {
  if (process.argv.includes("--tsx")) return undefined;
  const repo = fileURLToPath(new URL("../..", import.meta.url));
  const dir = await mkdtemp(join(tmpdir(), "magnetite-bench-build-"));
  const outDir = join(dir, "out");
  // ESM resolves bare imports by walking up to a node_modules directory.
  await symlink(join(repo, "node_modules"), join(dir, "node_modules"));
  await writeFile(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: join(repo, "tsconfig.json"),
      compilerOptions: {
        rootDir: repo,
        outDir,
        sourceMap: false,
        noEmitOnError: false,
        typeRoots: [join(repo, "node_modules", "@types")],
      },
      include: [],
      files: [join(repo, "bench/health/checker.ts"), join(repo, "bench/health/servers.ts")],
    }),
  );
  const tsc = join(repo, "node_modules", "typescript", "bin", "tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { encoding: "utf8" });
  if (r.status !== 0) console.log(`tsc reported (emitting anyway):\n${r.stdout}`);
  return { dir, outDir };
}
const tree = await compiledTree();

function forkTs(file: string, args: string[], execArgv: string[] = []): Promise<ChildProcess> {
  const child =
    tree === undefined
      ? fork(new URL(file, import.meta.url), args, { execArgv: ["--import", "tsx", ...execArgv] })
      : fork(join(tree.outDir, "bench", "health", file.replace(/\.ts$/, ".js")), args, { execArgv });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`${file} exited with ${code}`)));
    const on = (m: { t: string }) => {
      if (m.t !== "ready") return;
      child.off("message", on);
      resolve(child);
    };
    child.on("message", on);
  });
}

/** Ask a child to exit and wait (bounded) for it; kill it if it does not. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.send({ t: "exit" });
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

const counts = (servers: ChildProcess) => request<Counts>(servers, { t: "counts" }, "counts");
const opened = activeOpens;

async function runOurs(ports: { tcpPort: number; httpPort: number }, servers: ChildProcess) {
  const checker = await forkTs(
    "./checker.ts",
    [String(N), String(ports.tcpPort), String(ports.httpPort), ...(noopProbes ? ["noop"] : [])],
    checkerFlags,
  );
  checker.removeAllListeners("exit");
  try {
    await sleep(WARMUP_MS);
    const load0 = load1();
    const [c0, o0] = [await counts(servers), opened()];
    const m0 = await request<Mark>(checker, { t: "mark" }, "mark");
    await sleep(SECONDS * 1000);
    const m1 = await request<Mark>(checker, { t: "mark", states: true }, "mark");
    const [c1, o1] = [await counts(servers), opened()];
    const wall = m1.at - m0.at;
    const cpu = m1.userMs + m1.systemMs - (m0.userMs + m0.systemMs);
    const seen = c1.tcp - c0.tcp + (c1.http - c0.http);
    const probes = inNetns && !noopProbes ? o1 - o0 : m1.completed - m0.completed;
    const f: Figures = {
      probes,
      perS: (probes / wall) * 1000,
      cpuPct: (cpu / wall) * 100,
      usPerProbe: (cpu / probes) * 1000,
      rssMiB: m1.rss / 2 ** 20,
      p99: m1.lateness.p99,
      load: `${load0}→${load1()}`,
    };
    const l = m1.lateness;
    console.log(
      `  magnetite [load ${f.load}]: ${probes} probes (${f.perS.toFixed(0)}/s; actors recorded ${m1.completed - m0.completed}, listeners saw ${seen}), up ${m1.up}/${N}\n` +
        `    lateness p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, max ${l.max.toFixed(1)} ms over ${l.n} starts; ` +
        `main thread waited for a CPU ${(((m1.waitMs - m0.waitMs) / wall) * 1000).toFixed(0)} ms/s\n` +
        `    CPU ${f.cpuPct.toFixed(1)} % of a core (user ${(((m1.userMs - m0.userMs) / wall) * 100).toFixed(1)}, sys ${(((m1.systemMs - m0.systemMs) / wall) * 100).toFixed(1)}, ` +
        `main thread ${(((m1.mainThreadMs - m0.mainThreadMs) / wall) * 100).toFixed(1)}), ${f.usPerProbe.toFixed(1)} µs/probe; RSS ${f.rssMiB.toFixed(0)} MiB; TIME_WAIT ${timeWaitSockets()}`,
    );
    return f;
  } finally {
    await stopChild(checker);
  }
}

async function runHaproxy(ports: { tcpPort: number; httpPort: number }, servers: ChildProcess) {
  const dir = await mkdtemp(join(tmpdir(), "magnetite-bench-haproxy-"));
  // One thread: our checker is one event loop. Two backend sections, because
  // tcp-check and httpchk cannot be mixed per server in one backend.
  const lines = [
    "global",
    "  nbthread 1",
    `  stats socket ${join(dir, "stats.sock")}`,
    "defaults",
    "  timeout connect 1s",
    "  timeout client 5s",
    "  timeout server 5s",
    "  timeout check 1s",
    // HAProxy refuses to start without a listener; this one is never used.
    "frontend fe",
    "  mode tcp",
    `  bind 127.0.0.1:${await freePort()}`,
    "  default_backend be_tcp",
    "backend be_tcp",
    "  mode tcp",
  ];
  const http: string[] = ["backend be_http", "  mode http", "  option httpchk GET /"];
  for (let i = 0; i < N; i++) {
    if (i % 2 === 1) http.push(`  server b${i} 127.0.0.1:${ports.httpPort} check inter 1s`);
    else lines.push(`  server b${i} 127.0.0.1:${ports.tcpPort} check inter 1s`);
  }
  const cfg = join(dir, "haproxy.cfg");
  await writeFile(cfg, `${[...lines, ...http].join("\n")}\n`);
  const hp = spawn("haproxy", ["-db", "-f", cfg], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  hp.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  try {
    await sleep(WARMUP_MS);
    const pid = hp.pid;
    if (hp.exitCode !== null || pid === undefined) throw new Error(`haproxy exited: ${stderr}`);
    const load0 = load1();
    const [c0, o0, k0, w0, t0] = [
      await counts(servers),
      opened(),
      cpuMs(pid),
      schedMs(pid),
      performance.now(),
    ];
    await sleep(SECONDS * 1000);
    const up = await haproxyUp(join(dir, "stats.sock"));
    const [k1, w1, t1, o1, c1] = [
      cpuMs(pid),
      schedMs(pid),
      performance.now(),
      opened(),
      await counts(servers),
    ];
    const wall = t1 - t0;
    const httpProbes = c1.http - c0.http;
    const probes = inNetns
      ? o1 - o0
      : httpProbes + Math.round((httpProbes * Math.ceil(N / 2)) / Math.floor(N / 2));
    const f: Figures = {
      probes,
      perS: (probes / wall) * 1000,
      cpuPct: ((k1 - k0) / wall) * 100,
      usPerProbe: ((k1 - k0) / probes) * 1000,
      rssMiB: rssBytes(pid) / 2 ** 20,
      p99: Number.NaN,
      load: `${load0}→${load1()}`,
    };
    console.log(
      `  haproxy   [load ${f.load}]: ${probes} probes (${f.perS.toFixed(0)}/s; listeners saw ${httpProbes} HTTP), up ${up}/${N}\n` +
        `    main thread waited for a CPU ${(((w1.wait - w0.wait) / wall) * 1000).toFixed(0)} ms/s\n` +
        `    CPU ${f.cpuPct.toFixed(1)} % of a core, ${f.usPerProbe.toFixed(1)} µs/probe; RSS ${f.rssMiB.toFixed(0)} MiB; TIME_WAIT ${timeWaitSockets()}`,
    );
    return f;
  } finally {
    hp.kill("SIGTERM");
    await rm(dir, { recursive: true, force: true });
  }
}

/** Servers HAProxy reports UP (`show stat` on its stats socket; CSV field 18 is `status`). */
function haproxyUp(path: string): Promise<number> {
  return new Promise((resolve) => {
    let text = "";
    const s = connect(path, () => s.end("show stat\n"));
    s.setEncoding("utf8");
    s.on("data", (d: string) => {
      text += d;
    });
    s.on("error", () => resolve(Number.NaN));
    s.on("close", () => {
      const rows = text.split("\n").map((l) => l.split(","));
      resolve(rows.filter((r) => r[1] !== "FRONTEND" && r[1] !== "BACKEND" && r[17] === "UP").length);
    });
  });
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const a = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return typeof a === "object" && a !== null ? a.port : 0;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.floor((s.length - 1) / 2)] as number);
};

const cpuInfo = cpus();
console.log(
  `checker code: ${tree === undefined ? "TypeScript sources through tsx" : "tsc output, as in production"}\n` +
    `machine: ${cpuInfo.length} × ${cpuInfo[0]?.model ?? "?"}, node ${process.version}, load average ${loadAll()} before the run; ` +
    `${inNetns ? "private network namespace" : "shared network namespace"}\n` +
    `${N} backends (${Math.ceil(N / 2)} tcp, ${Math.floor(N / 2)} http) on 127.0.0.1, inter 1s; ${ROUNDS} round(s) of ${SECONDS} s after ${WARMUP_MS / 1000} s warm-up`,
);
const servers = await forkTs("./servers.ts", []);
servers.removeAllListeners("exit");
const ports = await request<{ tcpPort: number; httpPort: number }>(servers, { t: "ports" }, "ports");
const ours: Figures[] = [];
const theirs: Figures[] = [];
try {
  for (let r = 1; r <= ROUNDS; r++) {
    console.log(`round ${r}`);
    ours.push(await runOurs(ports, servers));
    if (withHaproxy) theirs.push(await runHaproxy(ports, servers));
  }
} finally {
  await stopChild(servers);
  if (tree !== undefined) await rm(tree.dir, { recursive: true, force: true });
}
const m = (fs: Figures[], k: keyof Omit<Figures, "load">) => median(fs.map((f) => f[k]));
console.log(
  `median of ${ROUNDS}: magnetite ${m(ours, "perS").toFixed(0)} probes/s, p99 lateness ${m(ours, "p99").toFixed(1)} ms, ` +
    `CPU ${m(ours, "cpuPct").toFixed(1)} %, ${m(ours, "usPerProbe").toFixed(1)} µs/probe, RSS ${m(ours, "rssMiB").toFixed(0)} MiB`,
);
if (withHaproxy) {
  const ratios = ours.map((o, i) => o.usPerProbe / (theirs[i]?.usPerProbe ?? Number.NaN));
  console.log(
    `median of ${ROUNDS}: haproxy   ${m(theirs, "perS").toFixed(0)} probes/s, CPU ${m(theirs, "cpuPct").toFixed(1)} %, ` +
      `${m(theirs, "usPerProbe").toFixed(1)} µs/probe, RSS ${m(theirs, "rssMiB").toFixed(0)} MiB\n` +
      `CPU per probe ours / HAProxy's per round: ${ratios.map((x) => x.toFixed(2)).join(", ")}; median ${median(ratios).toFixed(2)} (target ≤ 2); p99 lateness target < 50 ms`,
  );
}
console.log(`load average ${loadAll()} after the run`);
