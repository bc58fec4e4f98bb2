/**
 * A health service on a fake clock with scripted probes and an in-memory
 * admin store, for actor tests without sockets or real time.
 */
import { Writable } from "node:stream";
import { pino } from "pino";
import type { Logger } from "pino";
import type { AdminRecord, AdminStore } from "../../../actors/health/admin-store.js";
import { HealthService, type HealthServiceOptions } from "../../../actors/health/service.js";
import type { BackendSpec, CheckSpec } from "../../../actors/health/types.js";
import { type ActorSystem, createActorSystem, FakeClock } from "../../../actors/runtime/index.js";
import type { Probe, ProbeTarget } from "../../../dataplane/probes/index.js";
import { ok } from "../../../protocols/common/result.js";
import { millis } from "../../../protocols/common/time.js";
import { type ProbeResult, probeFailure, probePass } from "../../../protocols/health/index.js";

/** An admin store in memory; `failWrites` makes every write reject. */
export class MemoryAdmin implements AdminStore {
  readonly records = new Map<string, AdminRecord>();
  failWrites = false;
  get(name: string) {
    const value = this.records.get(name);
    return value === undefined ? undefined : { value };
  }
  async put(name: string, value: AdminRecord) {
    if (this.failWrites) throw new Error("disk full");
    this.records.set(name, value);
  }
  async delete(name: string) {
    if (this.failWrites) throw new Error("disk full");
    return this.records.delete(name);
  }
}

/** How a scripted probe answers: a result, or "hang" (never resolves). */
export type Answer = "pass" | "fail" | "hang";

/** Scripted probes: `answers.get(address)` decides; every run is recorded. */
export class Script {
  readonly answers = new Map<string, Answer>();
  readonly runs: { address: string; at: number }[] = [];
  constructor(private readonly clock: FakeClock) {}
  probe(kind: Probe["kind"]): Probe {
    return {
      kind,
      run: (target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> => {
        this.runs.push({ address: target.address, at: this.clock.now() });
        const a = this.answers.get(target.address) ?? "pass";
        if (a === "hang") {
          // A stalled checker: never resolves, even when aborted.
          void signal;
          return new Promise<ProbeResult>(() => undefined);
        }
        return Promise.resolve(
          a === "pass"
            ? probePass("scripted pass", millis(2))
            : probeFailure("refused", "scripted fail", millis(3)),
        );
      },
    };
  }
  count(address: string): number {
    return this.runs.filter((r) => r.address === address).length;
  }
}

/** Captured JSON log lines. */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString("utf8").split("\n")) if (l.trim() !== "") lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: pino({ level: "info" }, stream), lines };
}

/** A check with the given timing (ms). */
export function tcpCheck(over: Partial<CheckSpec> = {}): CheckSpec {
  return {
    type: "tcp",
    port: 80,
    interval: 1000,
    fastInterval: 200,
    downInterval: 2000,
    timeout: 100,
    rise: 2,
    fall: 3,
    ...over,
  };
}

/** A backend spec. */
export function backend(name: string, address: string, over: Partial<BackendSpec> = {}): BackendSpec {
  return { name, address, healthcheck: "chk", check: tcpCheck(), enabled: true, ...over };
}

/** Everything a test needs. */
export interface Harness {
  readonly system: ActorSystem;
  readonly clock: FakeClock;
  readonly script: Script;
  readonly admin: MemoryAdmin;
  readonly service: HealthService;
  readonly lines: Record<string, unknown>[];
  /** Let every queued message, probe promise and bus delivery run. */
  settle(): Promise<void>;
  /** Advance fake time in steps, settling after each. */
  advance(ms: number, step?: number): Promise<void>;
  close(): Promise<void>;
}

/** Build a started harness. `admin` may be shared between harnesses to model a restart. */
export async function harness(
  backends: readonly BackendSpec[],
  opts: { admin?: MemoryAdmin; service?: Partial<HealthServiceOptions> } = {},
): Promise<Harness> {
  const clock = new FakeClock(1_000_000);
  const { logger, lines } = captureLogger();
  const system = createActorSystem({ clock, random: () => 0.5, onFatal: () => undefined, logger });
  const script = new Script(clock);
  const admin = opts.admin ?? new MemoryAdmin();
  const service = new HealthService({
    actors: system,
    admin,
    logger,
    makeProbe: (check) => ok(script.probe(check.type)),
    random: () => 0.5,
    askTimeoutMs: 1000,
    watchdogIntervalMs: 1000,
    ...opts.service,
  });
  service.start(backends);
  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      await system.whenIdle();
      await new Promise<void>((r) => setImmediate(r));
    }
    await service.bus.settled();
  };
  await settle();
  return {
    system,
    clock,
    script,
    admin,
    service,
    lines,
    settle,
    async advance(ms, step = 50) {
      for (let t = 0; t < ms; t += step) {
        clock.advance(Math.min(step, ms - t));
        await settle();
      }
    },
    async close() {
      await service.stop();
      await system.stop();
    },
  };
}
