/**
 * FRR bfdd (Debian frr 8.4.4) as a BFD peer inside a test namespace (anchors.md §1.8): zebra and
 * bfdd with their own `-N` path space, config file, pid files and vty sockets under a private
 * directory in /tmp; queried and configured with `vtysh --vty_socket`. Everything started is
 * killed by `stop()`.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";

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

/** How the daemons are run (the benchmark's needs; tests use the defaults). */
export interface FrrOptions {
  /** Run the daemons under `nice -n` (the benchmark gives both sides the same priority). */
  readonly niceness?: number;
  /**
   * Start bfdd with `--tcli` (transactional CLI). FRR 8.4 otherwise loads a config file with a
   * cost quadratic in its size (libyang work per line over the whole candidate tree: 250 peers
   * 3 s, 500 peers 12 s, 2,000 peers over 2 min on this box, and no session exists until the
   * end of the file); with `--tcli` 2,000 peers load in about 9 s. Run-time commands then need
   * an explicit `commit`, so the interop tests leave it off.
   */
  readonly tcli?: boolean;
}

/** One FRR instance in namespace `ns`. Daemons run as our children (not `-d`), so we reap them. */
export class Frr {
  readonly dir: string;
  private readonly children = new Map<"zebra" | "bfdd", ChildProcess>();

  constructor(
    readonly ns: string,
    private readonly config: string,
    private readonly options: FrrOptions = {},
  ) {
    this.dir = `/tmp/mgt-frr-${ns}`;
  }

  private async daemon(name: "zebra" | "bfdd"): Promise<void> {
    const args = ["netns", "exec", this.ns, `/usr/lib/frr/${name}`, "-N", this.ns];
    args.push("-f", name === "bfdd" ? `${this.dir}/frr.conf` : "/dev/null");
    args.push("-i", `${this.dir}/${name}.pid`, "-z", `${this.dir}/zserv.api`, "--vty_socket", this.dir);
    if (name === "bfdd") args.push("--bfdctl", `${this.dir}/bfdd.sock`);
    if (name === "bfdd" && this.options.tcli === true) args.push("--tcli");
    rmSync(`${this.dir}/${name}.vty`, { force: true });
    // `ip netns exec` execs the daemon, so this child is the daemon itself.
    const nice = this.options.niceness ?? 0;
    const child =
      nice === 0
        ? spawn("ip", args, { stdio: "ignore" })
        : spawn("nice", ["-n", String(nice), "ip", ...args], { stdio: "ignore" });
    this.children.set(name, child);
    const until = performance.now() + 10_000;
    while (!existsSync(`${this.dir}/${name}.vty`)) {
      if (child.exitCode !== null || performance.now() > until) throw new Error(`${name} did not start`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Start zebra then bfdd. */
  async start(): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
    // The daemons drop privileges to the frr user and create their sockets here.
    chmodSync(this.dir, 0o777);
    writeFileSync(`${this.dir}/frr.conf`, this.config);
    await this.daemon("zebra");
    await this.startBfdd();
  }

  /** (Re)start bfdd alone. */
  startBfdd(): Promise<void> {
    return this.daemon("bfdd");
  }

  private async kill(name: "zebra" | "bfdd"): Promise<void> {
    const c = this.children.get(name);
    if (c === undefined) return;
    this.children.delete(name);
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = once(c, "exit");
    c.kill("SIGKILL");
    await exited;
  }

  /** SIGKILL bfdd: it sends nothing more (no AdminDown), like a crashed peer. */
  killBfdd(): Promise<void> {
    return this.kill("bfdd");
  }

  /** Run vtysh commands against this instance. */
  vtysh(...commands: string[]): string {
    const args = ["--vty_socket", this.dir];
    for (const c of commands) args.push("-c", c);
    return execFileSync("vtysh", args, {
      encoding: "utf8",
      timeout: 30_000,
      // `show bfd peers json` at a few thousand peers is megabytes (the default cap is 1 MiB).
      maxBuffer: 64 << 20,
      stdio: ["ignore", "pipe", "pipe"],
    });
  }

  /** `show bfd peers json`. */
  peers(): FrrPeer[] {
    return JSON.parse(this.vtysh("show bfd peers json")) as FrrPeer[];
  }

  /** Kill everything this instance started and remove its directory. */
  async stop(): Promise<void> {
    await this.kill("bfdd");
    await this.kill("zebra");
    rmSync(this.dir, { recursive: true, force: true });
  }
}
