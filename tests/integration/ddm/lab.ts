/**
 * A two-tier DDM lab: 2 transit and N server namespaces, every server linked
 * to every transit by a veth pair with link-local addresses only, one
 * magnetite daemon per namespace (`ip netns exec NS node …`). The admin API
 * of each daemon listens on its namespace's loopback; the test reaches it
 * through a small relay started once per namespace that forwards a Unix
 * socket in the lab's directory to `127.0.0.1:API_PORT` inside the
 * namespace, so an API call costs no process start and no test traffic
 * leaves the namespaces this lab creates.
 */
import { DAEMON_NODE_FLAGS } from "../../../api/cli/node-flags.js";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { request } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CliProcess } from "../../support/daemon-process.js";
import { inNs, NetnsLab } from "../../support/netns.js";

const run = promisify(execFile);
const fromSource = import.meta.url.endsWith(".ts");
/** The daemon entry the lab runs: compiled JavaScript when the lab itself is compiled, else TypeScript through tsx. */
export const DAEMON_ENTRY = fileURLToPath(
  new URL(`../../../api/cli/main.${fromSource ? "ts" : "js"}`, import.meta.url),
);
export const API_PORT = 4680;

/**
 * The relay: accepts on a Unix socket (reachable from every namespace, it is a
 * file) and pipes each connection to the daemon's API on this namespace's
 * loopback. Prints "ready" once listening.
 */
const RELAY = `
  const net = require("node:net");
  const [path, port] = process.argv.slice(1);
  net.createServer((c) => {
    const u = net.connect(Number(port), "127.0.0.1");
    c.pipe(u).pipe(c);
    c.on("error", () => u.destroy());
    u.on("error", () => c.destroy());
  }).listen(path, () => process.stdout.write("ready\\n"));`;

/** One router of the lab. */
export interface Router {
  readonly name: string;
  readonly ns: string;
  readonly kind: "server" | "transit";
  readonly interfaces: string[];
  readonly stateDir: string;
  readonly configFile: string;
  /** The Unix socket of the API relay into this namespace. */
  readonly apiSocket: string;
  proc: CliProcess | undefined;
}

/** Short timers so expiry tests take seconds. */
export const TIMERS = {
  solicitMs: 200,
  expireMs: 1000,
};

export interface RouteRow {
  dst: string;
  protocol?: string;
  gateway?: string;
  dev?: string;
  nexthops?: { gateway: string; dev: string }[];
}

export class DdmLab {
  readonly lab = new NetnsLab();
  readonly dir = mkdtempSync(join(tmpdir(), "ddm-lab-"));
  readonly transits: Router[] = [];
  readonly servers: Router[] = [];
  private readonly relays: ChildProcess[] = [];

  constructor(servers: number, extra: Record<string, unknown> = {}) {
    try {
      for (const t of [1, 2]) this.transits.push(this.router(`t${t}`, "transit", extra));
      for (let s = 1; s <= servers; s++) this.servers.push(this.router(`s${s}`, "server", extra));
      for (const [si, s] of this.servers.entries()) {
        for (const [ti, t] of this.transits.entries()) {
          const sIf = `e${ti}`;
          const tIf = `s${si + 1}`;
          this.lab.addVeth(s.ns, sIf, t.ns, tIf);
          s.interfaces.push(sIf);
          t.interfaces.push(tIf);
        }
        inNs(s.ns, "ip", "-6", "addr", "add", `fd00:${si + 1}::1/128`, "dev", "lo");
      }
      for (const t of this.transits) inNs(t.ns, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1");
      for (const r of this.all()) this.writeConfig(r, extra);
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  all(): Router[] {
    return [...this.transits, ...this.servers];
  }

  private router(name: string, kind: "server" | "transit", _extra: Record<string, unknown>): Router {
    const ns = this.lab.addNamespace(`dd${name}`);
    return {
      name,
      ns,
      kind,
      interfaces: [],
      stateDir: join(this.dir, name, "state"),
      configFile: join(this.dir, `${name}.yaml`),
      apiSocket: join(this.dir, `${name}.api.sock`),
      proc: undefined,
    };
  }

  private writeConfig(r: Router, extra: Record<string, unknown>): void {
    const settings: Record<string, unknown> = {
      hostname: r.name,
      kind: r.kind,
      interfaces: `[${r.interfaces.join(", ")}]`,
      "solicit-interval": `${TIMERS.solicitMs}ms`,
      "expire-threshold": `${TIMERS.expireMs}ms`,
      "ip-addr-wait": "100ms",
      "exchange-timeout": "2s",
      "pull-timeout": "3s",
      "route-adopt-window": "3s",
      "drift-check-interval": "1s",
      ...extra,
    };
    const lines = ["ddm:", ...Object.entries(settings).map(([k, v]) => `  ${k}: ${String(v)}`)];
    writeFileSync(r.configFile, `${lines.join("\n")}\n`);
  }

  /** Start `r`'s daemon (with extra node flags, e.g. `--cpu-prof`) and wait until DDM runs. */
  async start(r: Router, logLevel = "info", nodeFlags: readonly string[] = []): Promise<void> {
    const args = [
      ...(fromSource ? ["--import", "tsx"] : []),
      // As deployed (api/cli/node-flags.ts), then the caller's.
      ...DAEMON_NODE_FLAGS,
      ...nodeFlags,
      DAEMON_ENTRY,
      "daemon",
      "--config",
      r.configFile,
      "--state-dir",
      r.stateDir,
      "--api",
      `127.0.0.1:${API_PORT}`,
      "--log-level",
      logLevel,
    ];
    const child = spawn("ip", ["netns", "exec", r.ns, process.execPath, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    r.proc = new CliProcess(child);
    await r.proc.waitForLog((l) => l.msg === "magnetite started", 30_000);
  }

  /** SIGKILL `r`'s daemon and wait for it to be gone. */
  async kill(r: Router, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const p = r.proc;
    if (p === undefined) return;
    p.child.kill(signal);
    await p.waitExit(15_000);
    r.proc = undefined;
  }

  /** Start the API relays (once; `api` calls this itself). */
  async relaysUp(): Promise<void> {
    if (this.relays.length > 0) return;
    await Promise.all(
      this.all().map(async (r) => {
        const child = spawn(
          "ip",
          ["netns", "exec", r.ns, process.execPath, "-e", RELAY, r.apiSocket, String(API_PORT)],
          { stdio: ["ignore", "pipe", "pipe"] },
        );
        this.relays.push(child);
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`API relay for ${r.name} not ready`)), 15_000);
          child.stdout?.once("data", () => {
            clearTimeout(timer);
            resolve();
          });
          child.once("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`API relay for ${r.name} exited with ${String(code)}`));
          });
        });
      }),
    );
  }

  private relayStart: Promise<void> | undefined;

  /** An admin API call inside `r`'s namespace; resolves to status and parsed body (status 0: no answer). */
  async api(
    r: Router,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    this.relayStart ??= this.relaysUp();
    await this.relayStart;
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const out = await new Promise<{ status: number; text: string }>((resolve) => {
      const req = request(
        {
          socketPath: r.apiSocket,
          method,
          path,
          headers: {
            host: `127.0.0.1:${API_PORT}`,
            ...(payload === undefined
              ? {}
              : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }),
          },
          timeout: 10_000,
        },
        (res) => {
          let t = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => {
            t += c;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: t }));
          res.on("error", (e) => resolve({ status: 0, text: String(e) }));
        },
      );
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", (e) => resolve({ status: 0, text: String(e) }));
      req.end(payload);
    });
    let parsed: unknown = out.text;
    try {
      parsed = out.text === "" ? null : JSON.parse(out.text);
    } catch {
      // not JSON
    }
    return { status: out.status, body: parsed };
  }

  /** A raw HTTP request from inside `ns` to `[host]:port` (scoped link-local allowed), for exchange endpoints. */
  async rawHttp(
    ns: string,
    method: string,
    host: string,
    port: number,
    path: string,
    body: string,
  ): Promise<{ status: number; text: string }> {
    const script = `
      const http = require("node:http");
      const [m, h, p, u, b] = process.argv.slice(1);
      const req = http.request({ method: m, host: h, port: Number(p), path: u, headers: { "content-type": "application/json" } }, (res) => {
        let t = ""; res.setEncoding("utf8"); res.on("data", (c) => { t += c; });
        res.on("end", () => process.stdout.write(JSON.stringify({ status: res.statusCode, text: t })));
      });
      req.on("error", (e) => process.stdout.write(JSON.stringify({ status: 0, text: String(e) })));
      req.end(b);`;
    const { stdout } = await run(
      "ip",
      ["netns", "exec", ns, process.execPath, "-e", script, method, host, String(port), path, body],
      { timeout: 10_000 },
    );
    return JSON.parse(stdout) as { status: number; text: string };
  }

  /** Our routes (protocol 221) in `r`'s kernel table. */
  async routes(r: Router): Promise<RouteRow[]> {
    const { stdout } = await run("ip", [
      "netns",
      "exec",
      r.ns,
      "ip",
      "-j",
      "-6",
      "route",
      "show",
      "proto",
      "221",
    ]);
    return JSON.parse(stdout) as RouteRow[];
  }

  /** Stop every daemon (SIGTERM lets `--cpu-prof` write its profile), the relays, and delete every namespace and file. */
  async shutdown(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    await Promise.all(this.all().map((r) => this.kill(r, signal).catch(() => undefined)));
    await Promise.all(
      this.relays.splice(0).map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        const gone = new Promise((resolve) => c.once("exit", resolve));
        c.kill("SIGKILL");
        await gone;
      }),
    );
    this.destroy();
  }

  private destroy(): void {
    this.lab.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The nexthop devices of a route row, sorted. */
export function devices(r: RouteRow | undefined): string[] {
  if (r === undefined) return [];
  return (r.nexthops ?? [{ gateway: r.gateway ?? "", dev: r.dev ?? "" }]).map((h) => h.dev).sort();
}

/** Poll `check` every 50 ms until it returns a value, or fail after `ms`. */
export async function until<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e: unknown) {
      last = e;
    }
    if (performance.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}; last error: ${String(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
