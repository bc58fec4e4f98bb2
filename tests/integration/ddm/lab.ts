/**
 * A two-tier DDM lab: 2 transit and N server namespaces, every server linked
 * to every transit by a veth pair with link-local addresses only, one
 * magnetite daemon per namespace (`ip netns exec NS node …`). The admin API
 * of each daemon listens on its namespace's loopback; the test reaches it
 * with a one-shot `node -e fetch(…)` run inside the namespace, so no test
 * traffic leaves the namespaces this lab creates.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CliProcess } from "../../support/daemon-process.js";
import { inNs, NetnsLab } from "../../support/netns.js";

const run = promisify(execFile);
const fromSource = import.meta.url.endsWith(".ts");
const entry = fileURLToPath(new URL(`../../../api/cli/main.${fromSource ? "ts" : "js"}`, import.meta.url));
export const API_PORT = 4680;

/** One router of the lab. */
export interface Router {
  readonly name: string;
  readonly ns: string;
  readonly kind: "server" | "transit";
  readonly interfaces: string[];
  readonly stateDir: string;
  readonly configFile: string;
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

  /** Start `r`'s daemon and wait until DDM runs. */
  async start(r: Router, logLevel = "info"): Promise<void> {
    const args = [
      ...(fromSource ? ["--import", "tsx"] : []),
      entry,
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

  /** An admin API call inside `r`'s namespace; resolves to status and parsed body. */
  async api(
    r: Router,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    const script = `
      const [m, u, f] = process.argv.slice(1);
      const b = f ? require("node:fs").readFileSync(f, "utf8") : "";
      const init = { method: m, headers: b ? { "content-type": "application/json" } : {}, body: b || undefined };
      fetch(u, init).then(async (r) => { const t = await r.text(); process.stdout.write(JSON.stringify({ status: r.status, text: t })); })
        .catch((e) => { process.stdout.write(JSON.stringify({ status: 0, text: String(e) })); });`;
    const { stdout } = await run(
      "ip",
      [
        "netns",
        "exec",
        r.ns,
        process.execPath,
        "-e",
        script,
        method,
        `http://127.0.0.1:${API_PORT}${path}`,
        this.bodyArg(body),
      ],
      { timeout: 10_000 },
    );
    const out = JSON.parse(stdout) as { status: number; text: string };
    let parsed: unknown = out.text;
    try {
      parsed = out.text === "" ? null : JSON.parse(out.text);
    } catch {
      // not JSON
    }
    return { status: out.status, body: parsed };
  }

  private bodies = 0;

  /** Bodies go through a file: a 10,000-prefix list is too long for argv. */
  private bodyArg(body: unknown): string {
    if (body === undefined) return "";
    const f = join(this.dir, `body-${++this.bodies}.json`);
    writeFileSync(f, typeof body === "string" ? body : JSON.stringify(body));
    return f;
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

  /** Kill every daemon and delete every namespace and file. */
  async shutdown(): Promise<void> {
    await Promise.all(this.all().map((r) => this.kill(r).catch(() => undefined)));
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
