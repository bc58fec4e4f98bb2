/**
 * The health machine of `state.ts`, run in place for one owner. `HealthCore`
 * is pure: every step returns a fresh state (spread), a fresh probe slot and,
 * after a result, a fresh `lastResult` wrapper. At thousands of probes per
 * second those objects live one probe interval, long enough for V8 to promote
 * them to the old generation, and their collection there was ~4 µs of every
 * probe's CPU (`bench/health`, issue 6).
 *
 * A runner owns one mutable `BackendHealth` and updates it in place on the
 * two hot events (`probe-due`, `probe-result`), reusing its probe slots, its
 * last-result record and its action objects, so a steady probe allocates
 * nothing here. It produces exactly the states and actions `HealthCore.step`
 * produces, with the same draws from the same `Random`
 * (`tests/property/health/runner.property.test.ts` checks this on random
 * histories). Rare events (operator actions, start) go through the pure core
 * and are committed by copying the result in.
 *
 * Ownership: `state`, everything reachable from it, and the returned actions
 * are reused by the next call; copy what must outlive it (the actor
 * shell turns the state into a snapshot before it leaves the actor).
 * Transition records and history arrays are never mutated.
 */
import type { Millis, Random } from "../common/time.js";
import { millis } from "../common/time.js";
import { afterFail, afterPass, isHealthy } from "./counter.js";
import type { ProbeFailureCode, ProbeResult } from "./probe-result.js";
import { nextProbeDelay } from "./schedule.js";
import { createHealthCore, type HealthCore, type StartOptions } from "./state.js";
import type {
  BackendHealth,
  HealthAction,
  HealthConfig,
  HealthEvent,
  HealthStatus,
  ProbeSlot,
  TransitionRecord,
} from "./types.js";

/** A health machine updating one owner's state in place. */
export interface HealthRunner {
  /** The pure machine this runner follows (for previews: `core.step(runner.state, …)`). */
  readonly core: HealthCore;
  /** The live state. Updated in place by every call below; read it, never keep it. */
  readonly state: BackendHealth;
  /** `core.start`, committed; returns its actions. */
  start(now: Millis, options?: StartOptions): readonly HealthAction[];
  /** `core.step(state, {kind: "probe-due", token}, now)` in place; `undefined` when stale. */
  due(token: number, now: Millis): readonly HealthAction[] | undefined;
  /** `core.step(state, {kind: "probe-result", token, result}, now)` in place; `undefined` when stale. */
  result(token: number, result: ProbeResult, now: Millis): readonly HealthAction[] | undefined;
  /**
   * Any event; `undefined` when nothing happened (the pure core returned its
   * input state and no actions). A refused operator action returns its `reject`.
   */
  step(event: HealthEvent, now: Millis): readonly HealthAction[] | undefined;
  /** Make `next` (a result of `core.step` on `state`) the live state. */
  commit(next: BackendHealth): void;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type ArmedSlot = { kind: "armed"; token: number; dueAt: Millis };
type RunningSlot = { kind: "running"; token: number; startedAt: Millis };
type PassRecord = { ok: true; code: "ok"; detail: string; latencyMs: Millis };
type FailRecord = { ok: false; code: ProbeFailureCode; detail: string; latencyMs: Millis };
type LastRecord = { at: Millis; result: ProbeResult };

const IDLE: ProbeSlot = Object.freeze({ kind: "idle" as const });

/** Build a runner for `config`; it draws jitter from `random` exactly as `createHealthCore(config, random)`. */
export function createHealthRunner(config: HealthConfig, random: Random): HealthRunner {
  const core = createHealthCore(config, random);
  const t = config.thresholds;
  const timing = config.timing;
  const live: Mutable<BackendHealth> = {
    status: "unknown",
    counter: 0,
    enabled: true,
    since: millis(0),
    probe: IDLE,
    nextToken: 0,
    history: [],
    lastResult: undefined,
  };
  // Reused records: `live` points at one of the slots, and at `last` once a result is
  // recorded. A pure step on `live` copies these references into its output, so a
  // committed output may point at them too; only this runner writes them.
  const armed: ArmedSlot = { kind: "armed", token: 0, dueAt: millis(0) };
  const running: RunningSlot = { kind: "running", token: 0, startedAt: millis(0) };
  const passes: PassRecord = { ok: true, code: "ok", detail: "", latencyMs: millis(0) };
  const fails: FailRecord = { ok: false, code: "error", detail: "", latencyMs: millis(0) };
  const last: LastRecord = { at: millis(0), result: passes };
  const armAction = { kind: "arm-probe" as const, token: 0, delay: millis(0), dueAt: millis(0) };
  const runAction = { kind: "run-probe" as const, token: 0, timeout: millis(0) };
  // Fixed arrays for the steady outcomes (emptying and refilling one array would
  // drop and reallocate its backing store every time); a transition, rare, gets its own.
  const runOnly: readonly HealthAction[] = [runAction];
  const armOnly: readonly HealthAction[] = [armAction];
  const none: readonly HealthAction[] = [];

  function commit(next: BackendHealth): void {
    live.status = next.status;
    live.counter = next.counter;
    live.enabled = next.enabled;
    live.since = next.since;
    live.probe = next.probe;
    live.nextToken = next.nextToken;
    live.history = next.history;
    live.lastResult = next.lastResult;
  }

  function record(result: ProbeResult, now: Millis): LastRecord {
    if (result.ok) {
      passes.detail = result.detail;
      passes.latencyMs = result.latencyMs;
      last.result = passes;
    } else {
      fails.code = result.code;
      fails.detail = result.detail;
      fails.latencyMs = result.latencyMs;
      last.result = fails;
    }
    last.at = now;
    return last;
  }

  function due(token: number, now: Millis): readonly HealthAction[] | undefined {
    const slot = live.probe;
    if (timing === undefined || slot.kind !== "armed" || slot.token !== token) return undefined;
    running.token = token;
    running.startedAt = now;
    live.probe = running;
    runAction.token = token;
    runAction.timeout = timing.timeout;
    return runOnly;
  }

  function result(token: number, r: ProbeResult, now: Millis): readonly HealthAction[] | undefined {
    const slot = live.probe;
    if (timing === undefined || slot.kind !== "running" || slot.token !== token) return undefined;
    const from = live.status;
    if (from !== "unknown" && from !== "up" && from !== "down") return undefined;
    const counter = r.ok ? afterPass(live.counter, t) : afterFail(live.counter, t);
    // §3.2: any failure while unknown goes straight to down, whatever the counter.
    const to: HealthStatus = from === "unknown" && !r.ok ? "down" : isHealthy(counter, t) ? "up" : "down";
    live.counter = counter;
    live.lastResult = record(r, now);
    let transition: HealthAction | undefined;
    if (to !== from) {
      const rec: TransitionRecord = { from, to, at: now, code: r.code, detail: r.detail, counter };
      live.history = [...live.history, rec].slice(-config.historyLimit);
      live.status = to;
      live.since = now;
      transition = { kind: "transition", record: rec };
    }
    const delay = nextProbeDelay(to, counter, t, timing, random);
    if (delay === undefined) {
      live.probe = IDLE;
      return transition === undefined ? none : [transition];
    }
    const next = live.nextToken;
    const dueAt = millis(now + delay);
    armed.token = next;
    armed.dueAt = dueAt;
    live.probe = armed;
    live.nextToken = next + 1;
    armAction.token = next;
    armAction.delay = delay;
    armAction.dueAt = dueAt;
    return transition === undefined ? armOnly : [transition, armAction];
  }

  return {
    core,
    state: live,
    start(now, options) {
      const out = core.start(now, options);
      commit(out.state);
      return out.actions;
    },
    due,
    result,
    step(event, now) {
      switch (event.kind) {
        case "probe-due":
          return due(event.token, now);
        case "probe-result":
          return result(event.token, event.result, now);
        default: {
          const out = core.step(live, event, now);
          if (out.state !== live) commit(out.state);
          else if (out.actions.length === 0) return undefined;
          return out.actions;
        }
      }
    },
    commit,
  };
}
