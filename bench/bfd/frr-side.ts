/**
 * FRR bfdd as side B of the benchmark: its configuration for N peers and what we read from it
 * (sessions per status, session-down counters, CPU and RSS of the bfdd process).
 */
import { readFileSync } from "node:fs";
import { Frr } from "../../tests/integration/bfd/frr.js";
import { addr } from "./lab.js";

/** FRR's `bfd` configuration: N single-hop peers at `intervalMs` × `mult`. */
export function frrConfig(n: number, intervalMs: number, mult: number): string {
  const lines = ["frr defaults traditional", "hostname bench", "!", "bfd"];
  for (let i = 0; i < n; i++) {
    lines.push(
      ` peer ${addr(i, 0)} local-address ${addr(i, 1)}`,
      `  receive-interval ${intervalMs}`,
      `  transmit-interval ${intervalMs}`,
      `  detect-multiplier ${mult}`,
      "  no shutdown",
      " !",
    );
  }
  lines.push("!", "");
  return lines.join("\n");
}

/** FRR 8.4's `show bfd peers counters json` entry (the keys we read). */
interface FrrCounters {
  readonly peer: string;
  readonly "session-up": number;
  readonly "session-down": number;
  readonly "control-packet-input": number;
  readonly "control-packet-output": number;
}

/** The running bfdd of an `Frr` instance. */
export class FrrSide {
  readonly frr: Frr;
  constructor(ns: string, n: number, intervalMs: number, mult: number, niceness: number) {
    this.frr = new Frr(ns, frrConfig(n, intervalMs, mult), { niceness, tcli: true });
  }

  start(): Promise<void> {
    return this.frr.start();
  }

  stop(): Promise<void> {
    return this.frr.stop();
  }

  get pid(): number {
    return Number(readFileSync(`${this.frr.dir}/bfdd.pid`, "utf8").trim());
  }

  /** Sessions by FRR status (`up`, `down`, `init`, …). */
  states(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of this.frr.peers()) out[p.status] = (out[p.status] ?? 0) + 1;
    return out;
  }

  /** Sum of the per-session `session-down` counters: how often any session left Up. */
  sessionDowns(): { downs: number; rx: number; tx: number } {
    const all = JSON.parse(this.frr.vtysh("show bfd peers counters json")) as FrrCounters[];
    let downs = 0;
    let rx = 0;
    let tx = 0;
    for (const c of all) {
      downs += c["session-down"];
      rx += c["control-packet-input"];
      tx += c["control-packet-output"];
    }
    return { downs, rx, tx };
  }
}
