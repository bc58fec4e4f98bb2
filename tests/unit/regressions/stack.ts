/**
 * The health checker and the LB reconciler wired as the daemon wires them
 * (`api/daemon/subsystems.ts`), on one fake-clock actor system: config text
 * goes through the real loader, backends through `backendSpecs`, the LB plan
 * through `lbPlan`, and a reload through `diffConfig` + `planHealthReload` +
 * `LbService.apply` in the daemon's subsystem order (health, then LB).
 * Probes are scripted per address; the dataplane is the in-memory one.
 *
 * Used by the maglev-vpp §10 regression tests that cross subsystem lines.
 */
import assert from "node:assert/strict";
import { pino } from "pino";
import { HealthService } from "../../../actors/health/service.js";
import { healthBackendStates, LbService, MemoryCollection } from "../../../actors/lb/index.js";
import type { OwnedVip, WeightOverride } from "../../../actors/lb/index.js";
import { createActorSystem, FakeClock } from "../../../actors/runtime/index.js";
import type { ActorSystem } from "../../../actors/runtime/index.js";
import { diffConfig } from "../../../api/config/diff.js";
import { type Config, parseConfigText } from "../../../api/config/index.js";
import { backendSpecs, planHealthReload } from "../../../api/config/sections/backends.js";
import { lbPlan } from "../../../api/routes/lb.js";
import type { Probe, ProbeTarget } from "../../../dataplane/probes/index.js";
import { MemoryLbDataplane } from "../../../dataplane/memory/memory-lb-dataplane.js";
import { ok } from "../../../protocols/common/result.js";
import { millis } from "../../../protocols/common/time.js";
import { type ProbeResult, probeFailure, probePass } from "../../../protocols/health/index.js";
import { MemoryAdmin } from "../actors-health/harness.js";

/** Parse config text with the daemon's loader; a test config that does not load is a test bug. */
export function config(text: string): Config {
  const r = parseConfigText(text, "regression.yaml");
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  return r.value;
}

/** One probe run as the scripted prober saw it. */
export interface ProbeRun {
  readonly address: string;
  readonly at: number;
  readonly signal: AbortSignal;
}

/**
 * Scripted probes. `fail` holds addresses that fail; `hang` ones that never
 * answer until aborted; `throwOnce` makes the next run for an address throw
 * synchronously (a probe bug: it crashes the backend actor).
 */
export class Prober {
  readonly runs: ProbeRun[] = [];
  readonly fail = new Set<string>();
  readonly hang = new Set<string>();
  readonly throwOnce = new Set<string>();
  private pending: ((r: ProbeResult) => void)[] = [];
  constructor(private readonly clock: FakeClock) {}

  probe(kind: Probe["kind"]): Probe {
    return {
      kind,
      run: (target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> => {
        if (this.throwOnce.delete(target.address))
          throw new Error(`scripted probe bug for ${target.address}`);
        this.runs.push({ address: target.address, at: this.clock.now(), signal });
        if (this.hang.has(target.address)) {
          return new Promise<ProbeResult>((resolve) => {
            this.pending.push(resolve);
            signal.addEventListener("abort", () => resolve(probeFailure("aborted", "aborted", millis(0))), {
              once: true,
            });
          });
        }
        return Promise.resolve(
          this.fail.has(target.address)
            ? probeFailure("refused", "scripted fail", millis(1))
            : probePass("scripted pass", millis(1)),
        );
      },
    };
  }

  /** Stop hanging: answer every probe still in flight with a pass, and answer new ones at once. */
  unhang(): void {
    this.hang.clear();
    const waiting = this.pending;
    this.pending = [];
    for (const resolve of waiting) resolve(probePass("slow pass", millis(1)));
  }

  count(address: string): number {
    return this.runs.filter((r) => r.address === address).length;
  }
}

/** The running stack. */
export interface Stack {
  readonly clock: FakeClock;
  readonly system: ActorSystem;
  readonly prober: Prober;
  readonly admin: MemoryAdmin;
  readonly health: HealthService;
  readonly lb: LbService;
  readonly dp: MemoryLbDataplane;
  readonly fatal: Error[];
  current: Config;
  settle(): Promise<void>;
  /** Advance fake time in `step` ms increments, settling after each. */
  advance(ms: number, step?: number): Promise<void>;
  /** Reload to `text` the way the daemon does (§2.7). */
  reload(text: string): Promise<void>;
  /** The AS `address` in the VIP of `frontend` as the dataplane holds it (undefined: no such AS). */
  as(frontend: string, address: string): { weight: number; flushed: boolean } | undefined;
  stop(): Promise<void>;
}

/** Start health + LB from config text. */
export async function stack(
  text: string,
  opts: { random?: () => number; dp?: MemoryLbDataplane } = {},
): Promise<Stack> {
  const clock = new FakeClock(1_000_000);
  const logger = pino({ level: process.env["LB_TEST_LOG"] ?? "silent" });
  const fatal: Error[] = [];
  const random = opts.random ?? (() => 0.5);
  const system = createActorSystem({ clock, random, onFatal: (e) => fatal.push(e), logger });
  const prober = new Prober(clock);
  const admin = new MemoryAdmin();
  const health = new HealthService({
    actors: system,
    admin,
    logger,
    makeProbe: (check) => ok(prober.probe(check.type)),
    random,
    askTimeoutMs: 1000,
    watchdogIntervalMs: 1000,
  });
  const dp = opts.dp ?? new MemoryLbDataplane();
  const lb = new LbService({
    actors: system,
    dataplane: dp,
    states: healthBackendStates(health),
    overrides: new MemoryCollection<WeightOverride>(),
    owned: new MemoryCollection<OwnedVip>(),
    logger,
    askTimeoutMs: 1000,
    retry: { initialMs: 1000, maxMs: 8000 },
  });
  let current = config(text);
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 6; i++) {
      await system.whenIdle();
      await new Promise<void>((r) => setImmediate(r));
    }
    await health.bus.settled();
    await system.whenIdle();
  };
  health.start(backendSpecs(current));
  await lb.start(lbPlan(current));
  await settle();
  const s: Stack = {
    clock,
    system,
    prober,
    admin,
    health,
    lb,
    dp,
    fatal,
    current,
    settle,
    async advance(ms, step = 50) {
      for (let t = 0; t < ms; t += step) {
        clock.advance(Math.min(step, ms - t));
        await settle();
      }
    },
    async reload(next) {
      const after = config(next);
      const d = diffConfig(current, after);
      const report = await health.apply(planHealthReload(current, after, d));
      assert.deepEqual(report.failed, [], "health reload failed");
      await lb.apply(lbPlan(after));
      current = after;
      s.current = after;
      await settle();
    },
    as(frontend, address) {
      const spec = lbPlan(current).frontends.find((f) => f.name === frontend);
      if (spec === undefined) return undefined;
      for (const vip of dp.state.values()) {
        if (vip.key.address !== spec.address || vip.key.port !== spec.port) continue;
        for (const [a, as] of vip.ases) if (a === address) return { weight: as.weight, flushed: as.flushed };
      }
      return undefined;
    },
    async stop() {
      await lb.stop();
      await health.stop();
      await system.stop({ deadlineMs: 2000 });
    },
  };
  return s;
}
