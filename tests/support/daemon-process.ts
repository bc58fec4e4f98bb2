/**
 * Runs the real `magnetite` CLI in a child process for end-to-end tests: the
 * compiled entry under `npm test`, the TypeScript one (through tsx) when a test
 * file is run from source. `waitForLog` reads the JSON log lines the daemon
 * prints, so tests wait on events (e.g. "API listening") instead of sleeping.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { DAEMON_NODE_FLAGS } from "../../api/cli/node-flags.js";

const fromSource = import.meta.url.endsWith(".ts");
const entry = fileURLToPath(new URL(`../../api/cli/main.${fromSource ? "ts" : "js"}`, import.meta.url));

/** One parsed JSON log line. */
export type LogLine = Record<string, unknown> & { msg?: string };

/** A running CLI child with its collected output. */
export class CliProcess {
  readonly lines: LogLine[] = [];
  stderr = "";
  stdout = "";
  private waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly child: ChildProcess) {
    let partial = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      this.stdout += chunk;
      partial += chunk;
      const parts = partial.split("\n");
      partial = parts.pop() ?? "";
      for (const p of parts) this.onLine(p);
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = once(child, "exit").then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
  }

  private onLine(text: string): void {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      return; // not a log line (table output, warnings)
    }
    this.lines.push(line);
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(line)) return true;
      w.resolve(line);
      return false;
    });
  }

  /** Resolve with the first log line (already seen or future) that matches; reject after `ms`. */
  waitForLog(match: (l: LogLine) => boolean, ms = 20_000): Promise<LogLine> {
    const seen = this.lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no matching log line within ${ms} ms; stderr: ${this.stderr.slice(-2000)}`));
      }, ms);
      this.waiters.push({
        match,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  }

  /** Wait for exit, killing with SIGKILL after `ms`. */
  async waitExit(ms = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const timer = setTimeout(() => this.child.kill("SIGKILL"), ms);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Start `magnetite ARGS…`. */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): CliProcess {
  // The daemon runs with the flags it is deployed with (api/cli/node-flags.ts).
  const execArgv = [
    ...(fromSource ? ["--import", "tsx"] : []),
    ...(args[0] === "daemon" ? DAEMON_NODE_FLAGS : []),
  ];
  const child = spawn(process.execPath, [...execArgv, entry, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  return new CliProcess(child);
}

/** Run `magnetite ARGS…` to completion. */
export async function runCli(
  args: readonly string[],
  ms = 20_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = startCli(args);
  const { code } = await p.waitExit(ms);
  return { code, stdout: p.stdout, stderr: p.stderr };
}
