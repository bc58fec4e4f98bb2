/**
 * A benchmark node as a child process, spoken to over IPC. When the bench runs compiled
 * (`dist/bench/bfd/run.js`) the node is the compiled `node.js` under plain `node`, so the figures
 * are the daemon's as deployed; from source it falls back to tsx and says so.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { NodeArgs } from "./node.js";

/** A reply from the node: `t` names the request it answers. */
export type Reply = Record<string, unknown> & { t: string };

/** True when this file runs as compiled JavaScript. */
export const COMPILED = import.meta.url.endsWith(".js");

export class NodeProc {
  readonly child: ChildProcess;
  readonly ready: Promise<Reply>;
  private waiters: { t: string; resolve: (r: Reply) => void }[] = [];

  /**
   * `nodeFlags` go before the script (e.g. `--cpu-prof`); `niceness` ≠ 0 runs the node under
   * `nice -n` so every thread has that priority.
   */
  constructor(args: NodeArgs, nodeFlags: readonly string[] = [], niceness = 0) {
    const script = fileURLToPath(new URL(COMPILED ? "./node.js" : "./node.ts", import.meta.url));
    const flags = COMPILED ? [...nodeFlags] : ["--import", "tsx", ...nodeFlags];
    const argv = [...flags, script, JSON.stringify(args)];
    const stdio: ["ignore", "inherit", "inherit", "ipc"] = ["ignore", "inherit", "inherit", "ipc"];
    this.child =
      niceness === 0
        ? spawn(process.execPath, argv, { stdio })
        : spawn("nice", ["-n", String(niceness), process.execPath, ...argv], { stdio });
    this.child.on("message", (m: Reply) => {
      const w = this.waiters.find((x) => x.t === m.t);
      if (w === undefined) return;
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve(m);
    });
    this.ready = this.next("ready");
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  next(t: string, ms = 120_000): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${t} reply within ${ms} ms`)), ms);
      this.waiters.push({
        t,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      });
    });
  }

  ask(req: Reply, ms?: number): Promise<Reply> {
    const p = this.next(req.t, ms);
    this.child.send(req);
    return p;
  }

  /** SIGKILL: the node sends nothing more, like a crashed peer. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const e = once(this.child, "exit");
    this.child.kill("SIGKILL");
    await e;
  }

  /** SIGTERM and wait, so `--cpu-prof` writes its profile. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const e = once(this.child, "exit");
    this.child.disconnect();
    this.child.kill("SIGTERM");
    await e;
  }
}
