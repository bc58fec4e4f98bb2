/**
 * Test harness for the LB actors: a real actor system on a `FakeClock`, the
 * in-memory dataplane (or any `LbDataplane`), a settable backend-state
 * source and in-memory stores. `settle()` waits until the fanout's
 * macrotask deliveries and every actor are idle; `advance(ms)` moves the
 * virtual clock and settles.
 */
import type { Registry } from "prom-client";
import { createActorSystem, FakeClock } from "../../../actors/runtime/index.js";
import type { ActorSystem } from "../../../actors/runtime/index.js";
import {
  LbService,
  ManualBackendStates,
  MemoryCollection,
  type OwnedVip,
  type WeightOverride,
} from "../../../actors/lb/index.js";
import type { LbPlan, LbSettings } from "../../../actors/lb/types.js";
import type { LbDataplane } from "../../../dataplane/lb-dataplane.js";
import { MemoryLbDataplane } from "../../../dataplane/memory/memory-lb-dataplane.js";
import type { FrontendSpec } from "../../../protocols/lb/desired.js";
import type { BackendState } from "../../../protocols/lb/types.js";
import { millis } from "../../../protocols/common/time.js";
import { pino } from "pino";

/** Default settings: no warmup, 30 s drift sync, no lb_conf. */
export function settings(over: Partial<LbSettings> = {}): LbSettings {
  return {
    syncIntervalMs: 30_000,
    warmup: { minDelay: millis(0), maxDelay: millis(0) },
    conf: {},
    ...over,
  };
}

/** Shared, survivable state: reuse it in a second harness to model a daemon restart. */
export interface Persisted {
  readonly overrides: MemoryCollection<WeightOverride>;
  readonly owned: MemoryCollection<OwnedVip>;
}

/** Fresh persisted state. */
export function persisted(): Persisted {
  return { overrides: new MemoryCollection(), owned: new MemoryCollection() };
}

/** A started LB service and its controls. */
export interface Harness<D extends LbDataplane> {
  readonly clock: FakeClock;
  readonly system: ActorSystem;
  readonly registry: Registry;
  readonly dp: D;
  readonly states: ManualBackendStates;
  readonly svc: LbService;
  readonly store: Persisted;
  readonly fatal: Error[];
  settle(): Promise<void>;
  advance(ms: number): Promise<void>;
  /** Settle until `pred` holds, polling with real time (for socket-backed dataplanes); bounded. */
  until(pred: () => boolean | Promise<boolean>, ms?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Build and start a harness. */
export async function harness<D extends LbDataplane = MemoryLbDataplane>(opts: {
  frontends: readonly FrontendSpec[];
  states?: Record<string, BackendState>;
  settings?: LbSettings;
  dp?: D;
  store?: Persisted;
  retry?: { initialMs: number; maxMs: number };
}): Promise<Harness<D>> {
  const clock = new FakeClock(1_000_000);
  const fatal: Error[] = [];
  const logger = pino({ level: process.env["LB_TEST_LOG"] ?? "silent" });
  const system = createActorSystem({ onFatal: (e) => fatal.push(e), clock, logger });
  const dp = (opts.dp ?? new MemoryLbDataplane()) as D;
  const states = new ManualBackendStates(Object.entries(opts.states ?? {}));
  const store = opts.store ?? persisted();
  const svc = new LbService({
    actors: system,
    dataplane: dp,
    states,
    overrides: store.overrides,
    owned: store.owned,
    logger,
    retry: opts.retry ?? { initialMs: 1000, maxMs: 8000 },
  });
  const plan: LbPlan = { frontends: opts.frontends, settings: opts.settings ?? settings() };
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 6; i++) {
      await new Promise<void>((r) => setImmediate(r));
      await system.whenIdle();
    }
  };
  await svc.start(plan);
  await settle();
  return {
    clock,
    system,
    registry: system.registry,
    dp,
    states,
    svc,
    store,
    fatal,
    settle,
    advance: async (ms) => {
      clock.advance(ms);
      await settle();
    },
    until: async (pred, ms = 3000) => {
      const end = performance.now() + ms;
      for (;;) {
        await settle();
        if (await pred()) return;
        if (performance.now() > end) throw new Error(`condition not met within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    stop: async () => {
      await svc.stop();
      await system.stop({ deadlineMs: 2000 });
    },
  };
}

/** A counter's value from the registry text (0 when absent). */
export async function metric(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const m = registry.getSingleMetric(name);
  if (m === undefined) return 0;
  const data = await m.get();
  const keys = Object.keys(labels);
  let sum = 0;
  for (const v of data.values) {
    if (keys.every((k) => String(v.labels[k]) === labels[k])) sum += v.value;
  }
  return sum;
}
