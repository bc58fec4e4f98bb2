/**
 * FRR bfdd (Debian frr 8.4.4) as a BFD peer inside a test namespace (anchors.md §1.8): zebra and
 * bfdd with their own `-N` path space, config file, pid files and vty sockets under a private
 * directory in /tmp; queried and configured with `vtysh --vty_socket`. Everything started is
 * killed by `stop()`.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";

/** `show bfd peers json` entry (the keys we read; 8.4.4 names). */
export interface FrrPeer {
  readonly peer: string;
  readonly local: string;
  readonly status: string;
  readonly id: number;
  readonly "remote-id": number;
  readonly diagnostic: string;
  readonly "remote-diagnostic": string;
  readonly "receive-interval": number;
  readonly "transmit-interval": number;
  readonly "remote-receive-interval": number;
  readonly "remote-transmit-interval": number;
  readonly "remote-detect-multiplier": number;
}

/** One FRR instance in namespace `ns`. */
export class Frr {
  readonly dir: string;

  constructor(
    readonly ns: string,
    private readonly config: string,
  ) {
    this.dir = `/tmp/mgt-frr-${ns}`;
  }

  private daemon(name: "zebra" | "bfdd"): void {
    const args = ["netns", "exec", this.ns, `/usr/lib/frr/${name}`, "-d", "-N", this.ns];
    args.push("-f", name === "bfdd" ? `${this.dir}/frr.conf` : "/dev/null");
    args.push("-i", `${this.dir}/${name}.pid`, "-z", `${this.dir}/zserv.api`, "--vty_socket", this.dir);
    if (name === "bfdd") args.push("--bfdctl", `${this.dir}/bfdd.sock`);
    execFileSync("ip", args, { stdio: "ignore", timeout: 10_000 });
  }

  /** Start zebra then bfdd. */
  start(): void {
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true, mode: 0o777 });
    execFileSync("chmod", ["777", this.dir]);
    writeFileSync(`${this.dir}/frr.conf`, this.config);
    this.daemon("zebra");
    this.startBfdd();
  }

  /** (Re)start bfdd alone. */
  startBfdd(): void {
    this.daemon("bfdd");
  }

  private pid(name: string): number | undefined {
    const f = `${this.dir}/${name}.pid`;
    if (!existsSync(f)) return undefined;
    const n = Number(readFileSync(f, "utf8").trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  }

  /** SIGKILL bfdd: it sends nothing more (no AdminDown), like a crashed peer. */
  killBfdd(): void {
    const p = this.pid("bfdd");
    if (p !== undefined) {
      try {
        process.kill(p, "SIGKILL");
      } catch {
        // already gone
      }
      rmSync(`${this.dir}/bfdd.pid`, { force: true });
      rmSync(`${this.dir}/bfdd.vty`, { force: true });
      rmSync(`${this.dir}/bfdd.sock`, { force: true });
    }
  }

  /** Run vtysh commands against this instance. */
  vtysh(...commands: string[]): string {
    const args = ["--vty_socket", this.dir];
    for (const c of commands) args.push("-c", c);
    return execFileSync("vtysh", args, {
      encoding: "utf8",
      timeout: 10_000,
      stdio: ["ignore", "pipe", "pipe"],
    });
  }

  /** `show bfd peers json`. */
  peers(): FrrPeer[] {
    const text = this.vtysh("show bfd peers json");
    return JSON.parse(text) as FrrPeer[];
  }

  /** Kill everything this instance started and remove its directory. */
  stop(): void {
    for (const name of ["bfdd", "zebra"]) {
      const p = this.pid(name);
      if (p === undefined) continue;
      try {
        process.kill(p, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
