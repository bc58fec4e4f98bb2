/**
 * One actor per backend (maglev-vpp.md §2.4: a backend is probed once,
 * however many frontends use it). A thin shell over the pure core in
 * `protocols/health` (style guide rule 14): each message becomes a core
 * event, `step` returns actions, and this file performs them —
 *
 * - `arm-probe`  → a runtime timer delivering `{t:"due"}` to self
 *                  (generation-tagged, so a fire queued before a cancel or a
 *                  re-arm is dropped; the token is the armed slot's);
 * - `run-probe`  → `probe.start` (or `probe.run`) under the actor's AbortController;
 *                  the result comes back as `{t:"probe-done"}` with the result
 *                  in the actor's one result slot (or `{t:"result", token, result}`
 *                  from `run`), never awaited inside `receive`, so queries and
 *                  operator actions are answered while a probe runs;
 * - `cancel-probe` → cancel the timer and abort the in-flight probe
 *                  (§3.1: a paused backend's probe is stopped, not ignored);
 * - `transition` → count, log at info, publish on the state bus;
 * - `reject`     → answer the operator with the error.
 *
 * The core runs in place (`HealthRunner`, protocols/health/runner.ts): a
 * probe allocates no state objects that would outlive it (issue 6, GC).
 *
 * Operator actions are persisted (`admin-store.ts`) before they take effect:
 * if the write fails, the state is left as it was and the caller is told.
 */
import { InvariantError } from "../../protocols/common/domain-error.js";
import type { Millis, Random } from "../../protocols/common/time.js";
import {
  type BackendHealth,
  createHealthRunner,
  type HealthAction,
  type HealthConfig,
  type HealthRunner,
  type OperatorAction,
  type ProbeResult,
  probeFailure,
} from "../../protocols/health/index.js";
import type { Probe, ProbeSink, ProbeTarget } from "../../dataplane/probes/index.js";
import type { Result } from "../../protocols/common/result.js";
import type { ActorContext, ActorRef, ActorSpec } from "../runtime/index.js";
import type { AdminRecord, AdminStore } from "./admin-store.js";
import type { BoundCounter } from "./fast-counter.js";
import type { HealthMetrics } from "./metrics.js";
import { type CheckError, healthConfigOf } from "./probe-factory.js";
import { snapshotOf } from "./snapshot.js";
import type { StateBus } from "./state-bus.js";
import type { BackendSnapshot, BackendSpec, CheckSpec, OperatorReply } from "./types.js";
import type { ProbeWatch } from "./watchdog.js";

/** Messages a backend actor handles. */
export type BackendMsg =
  /**
   * The probe timer fired. It carries no token: the runtime delivers only the
   * fire of the latest arm (generation tags), whose token is the armed slot's,
   * so one constant message serves every arm instead of one object per arm
   * living a whole interval.
   */
  | { readonly t: "due" }
  /** The probe run for `token` finished. */
  | { readonly t: "result"; readonly token: number; readonly result: ProbeResult }
  /**
   * A sink-form probe finished: its result waits in the actor's one result
   * slot (at most one probe is in flight), so the message is a constant
   * instead of an object per probe.
   */
  | { readonly t: "probe-done" }
  | { readonly t: "get"; readonly replyTo: ActorRef<BackendSnapshot> }
  | { readonly t: "operator"; readonly action: OperatorAction; readonly replyTo: ActorRef<OperatorReply> }
  /** Reload fast path: same check, new address/enabled (maglev-vpp.md §2.7). */
  | {
      readonly t: "update";
      readonly spec: BackendSpec;
      readonly enabledChanged: boolean;
      readonly replyTo: ActorRef<OperatorReply>;
    };

/** What every backend actor shares. */
export interface BackendDeps {
  readonly makeProbe: (check: CheckSpec) => Result<Probe, CheckError>;
  readonly admin: AdminStore;
  readonly bus: StateBus;
  readonly metrics: HealthMetrics;
  readonly watch: ProbeWatch;
  readonly random: Random;
  readonly historyLimit: number;
  /**
   * Largest slack of a probe timer (ms): a probe may start this much after its
   * scheduled instant so that probes due close together share one event-loop
   * wake-up (actors/runtime/timer-wheel.ts). Capped per backend at 1 % of its
   * fast interval, far inside the ±10 % jitter every interval already has (§2.4).
   */
  readonly probeSlackMs: number;
  /** Called as each probe starts with how late it is (for the benchmark); optional. */
  readonly onProbeStart?: (lateMs: number) => void;
}

/**
 * The actor's state: its spec (address may change on reload), the probe target
 * built from it, and the core running in place (`live.state` is the health
 * state; the object stays the same across probes).
 */
export interface BackendState {
  readonly spec: BackendSpec;
  readonly target: ProbeTarget;
  readonly live: HealthRunner;
}

const DUE: BackendMsg = Object.freeze({ t: "due" as const });
const PROBE_DONE: BackendMsg = Object.freeze({ t: "probe-done" as const });

/** The admin record that reproduces `health` on top of the config's `enabled` (see admin-store.ts). */
export function desiredRecord(spec: BackendSpec, health: BackendHealth): AdminRecord | undefined {
  switch (health.status) {
    case "paused":
      return { action: "pause" };
    case "disabled":
      return spec.enabled ? { action: "disable" } : undefined;
    case "removed":
      return undefined;
    default:
      return spec.enabled ? undefined : { action: "enable" };
  }
}

/** The actor spec for one backend. */
export function backendActor(initial: BackendSpec, deps: BackendDeps): ActorSpec<BackendMsg, BackendState> {
  const name = initial.name;
  /** The spec in force: updated by fast-path reloads (address, enabled), read by init on restart. */
  let latest: BackendSpec = initial;
  const cfg = healthConfigOf(initial.check, deps.historyLimit);
  if (!cfg.ok)
    throw new InvariantError(`backend ${name}: invalid check reached the actor: ${cfg.error.message}`);
  const config: HealthConfig = cfg.value;
  const watch = deps.watch.entry(name);
  let probe: Probe | undefined;
  if (initial.check !== undefined) {
    const p = deps.makeProbe(initial.check);
    if (!p.ok)
      throw new InvariantError(`backend ${name}: invalid check reached the actor: ${p.error.message}`);
    probe = p.value;
  }
  const type = initial.check?.type;
  // `inline`: a due fire only starts a probe, so an idle actor may handle it in the
  // timer wheel's own macrotask (actors/runtime/types.ts, TimerOptions.inline).
  const timerOptions = {
    slackMs: config.timing === undefined ? 0 : Math.min(deps.probeSlackMs, config.timing.fastInterval / 100),
    inline: true,
  };
  const counterGauge = { backend: name };
  // Metric handles resolved once per actor, not per probe (metrics.ts, "Hot path").
  const latenessObserver = deps.metrics.lateness.bind({});
  const durationObservers =
    type === undefined
      ? undefined
      : {
          pass: deps.metrics.probeDuration.bind({ type, result: "pass" }),
          fail: deps.metrics.probeDuration.bind({ type, result: "fail" }),
        };
  let probeTally: { code: string; counter: BoundCounter } | undefined;
  let lastCounter: number | undefined;
  // One controller serves every probe until one is cancelled (pause, disable,
  // stop); only then is it replaced. A probe per second per backend would
  // otherwise allocate a controller and its signal every time.
  let controller = new AbortController();
  // The `signal` getter validates its receiver on every read; read it once per controller.
  let signal = controller.signal;
  let inflightToken: number | undefined;

  function abortInFlight(): void {
    if (inflightToken === undefined) return;
    inflightToken = undefined;
    controller.abort();
    controller = new AbortController();
    signal = controller.signal;
  }

  function setCounterGauge(value: number): void {
    if (value === lastCounter) return;
    lastCounter = value;
    deps.metrics.counter.set(counterGauge, value);
  }

  function countProbe(result: ProbeResult): void {
    if (type === undefined || durationObservers === undefined) return;
    const r = result.ok ? "pass" : "fail";
    if (probeTally?.code !== result.code) {
      const labels = { backend: name, type, result: r, code: result.code } as const;
      probeTally = { code: result.code, counter: deps.metrics.probes.bind(labels) };
    }
    probeTally.counter.inc();
    durationObservers[r].observe(result.latencyMs / 1000);
  }

  // Where sink-form probes report (Probe.start): one object per actor instead
  // of a promise, a reaction and two closures per probe. A result whose token
  // is no longer in flight (its probe was aborted) is dropped here, as the
  // promise path drops results of an aborted signal.
  // The result waits in `doneToken`/`doneResult` until `probe-done` is handled; a
  // newer accepted result can only belong to a newer probe, which makes the
  // older one stale anyway.
  let selfRef: ActorContext<BackendMsg>["self"] | undefined;
  let doneToken = -1;
  let doneResult: ProbeResult | undefined;
  const sink: ProbeSink = {
    probeDone(token, result) {
      if (token !== inflightToken) return;
      doneToken = token;
      doneResult = result;
      selfRef?.tell(PROBE_DONE);
    },
  };

  function takeDone(s: BackendState, ctx: ActorContext<BackendMsg>): BackendState {
    const result = doneResult;
    if (result === undefined) return s;
    doneResult = undefined;
    return onResult(s, doneToken, result, ctx);
  }

  function startProbe(
    token: number,
    timeout: Millis,
    s: BackendState,
    ctx: ActorContext<BackendMsg>,
    now: Millis,
  ): void {
    if (probe === undefined || type === undefined) return;
    inflightToken = token;
    watch.expect((now + timeout) as Millis);
    const self = ctx.self;
    if (probe.start !== undefined) {
      selfRef = self;
      probe.start(s.target, signal, sink, token);
      return;
    }
    const sig = signal;
    const deliver = (result: ProbeResult): void => {
      if (!sig.aborted) self.tell({ t: "result", token, result });
    };
    probe.run(s.target, sig).then(deliver, (e: unknown) =>
      // Probes resolve by contract; a rejection is a probe bug, still reported as a failed probe.
      deliver(probeFailure("error", e instanceof Error ? e.message : String(e), 0 as Millis)),
    );
  }

  /**
   * `perform` for the runner's probe steps (`due`, `result`), whose actions are
   * only ever run, arm and transition. A separate function so that its
   * property loads see those few object shapes and stay monomorphic; the
   * shared `perform` also sees the pure core's actions and went megamorphic
   * (bench/health: a megamorphic load per probe).
   */
  function performProbe(
    actions: readonly HealthAction[],
    s: BackendState,
    ctx: ActorContext<BackendMsg>,
    now: Millis,
  ): void {
    for (let i = 0; i < actions.length; i++) {
      const a = actions[i] as HealthAction;
      if (a.kind === "arm-probe") {
        ctx.timers.arm("probe", a.delay, DUE, timerOptions);
        watch.expect(a.dueAt);
      } else if (a.kind === "run-probe") {
        startProbe(a.token, a.timeout, s, ctx, now);
      } else {
        perform([a], s, ctx, now);
      }
    }
  }

  /**
   * Perform the core's actions in order (`now`: the instant the core stepped
   * at); returns the first rejection, if any. The runner reuses `actions` and
   * the objects in it: they are read here and not kept.
   */
  function perform(
    actions: readonly HealthAction[],
    s: BackendState,
    ctx: ActorContext<BackendMsg>,
    now: Millis,
  ): { code: "HC_E_BACKEND_DISABLED" | "HC_E_BACKEND_REMOVED"; message: string } | undefined {
    let rejected: { code: "HC_E_BACKEND_DISABLED" | "HC_E_BACKEND_REMOVED"; message: string } | undefined;
    for (let i = 0; i < actions.length; i++) {
      const a = actions[i] as HealthAction;
      switch (a.kind) {
        case "arm-probe":
          ctx.timers.arm("probe", a.delay, DUE, timerOptions);
          watch.expect(a.dueAt);
          break;
        case "run-probe":
          startProbe(a.token, a.timeout, s, ctx, now);
          break;
        case "cancel-probe":
          ctx.timers.cancel("probe");
          if (inflightToken === a.token) abortInFlight();
          watch.clear();
          break;
        case "transition": {
          const r = a.record;
          deps.metrics.transitions.inc({ backend: name, from: r.from, to: r.to });
          ctx.log.info(
            { backend: name, from: r.from, to: r.to, code: r.code, detail: r.detail, counter: r.counter },
            "backend transition",
          );
          deps.bus.publish({
            kind: "backend-state",
            name,
            address: s.spec.address,
            state: r.to,
            enabled: s.live.state.enabled,
            counter: r.counter,
            transition: r,
          });
          break;
        }
        case "reject":
          if (a.error.code === "HC_E_BACKEND_DISABLED" || a.error.code === "HC_E_BACKEND_REMOVED") {
            rejected = { code: a.error.code, message: a.error.message };
          }
          break;
        default: {
          const never: never = a;
          throw new InvariantError(`unknown health action ${JSON.stringify(never)}`);
        }
      }
    }
    return rejected;
  }

  /** Apply an operator action: refuse, or persist and then perform. */
  async function operate(
    s: BackendState,
    action: OperatorAction,
    ctx: ActorContext<BackendMsg>,
  ): Promise<{ state: BackendState; reply: OperatorReply }> {
    const now = ctx.clock.now();
    // A preview on the pure core: nothing changes until the record is written.
    const out = s.live.core.step(s.live.state, { kind: "operator", action }, now);
    const reject = out.actions.find((a) => a.kind === "reject");
    if (reject !== undefined && reject.kind === "reject") {
      const code =
        reject.error.code === "HC_E_BACKEND_REMOVED" ? "HC_E_BACKEND_REMOVED" : "HC_E_BACKEND_DISABLED";
      return { state: s, reply: { ok: false, code, message: `${name}: ${reject.error.message}` } };
    }
    const want = desiredRecord(s.spec, out.state);
    const have = deps.admin.get(name)?.value;
    if (want?.action !== have?.action) {
      try {
        if (want === undefined) await deps.admin.delete(name);
        else await deps.admin.put(name, want);
      } catch (e: unknown) {
        const message = `${name}: could not persist ${action}: ${e instanceof Error ? e.message : String(e)}`;
        ctx.log.error({ backend: name, action, err: e }, "persisting an operator action failed");
        return { state: s, reply: { ok: false, code: "HC_E_PERSIST", message } };
      }
    }
    s.live.commit(out.state);
    perform(out.actions, s, ctx, now);
    return {
      state: s,
      reply: { ok: true, snapshot: snapshotOf(s.spec, config, s.live.state, ctx.clock.now()) },
    };
  }

  function onDue(s: BackendState, ctx: ActorContext<BackendMsg>): BackendState {
    const slot = s.live.state.probe;
    if (slot.kind !== "armed") return s; // stale fire (the runtime normally drops those first)
    const dueAt = slot.dueAt;
    const now = ctx.clock.now();
    const actions = s.live.due(slot.token, now);
    if (actions === undefined) return s;
    const late = now > dueAt ? now - dueAt : 0;
    latenessObserver.observe(late / 1000);
    deps.onProbeStart?.(late);
    performProbe(actions, s, ctx, now);
    return s;
  }

  function onResult(
    s: BackendState,
    token: number,
    result: ProbeResult,
    ctx: ActorContext<BackendMsg>,
  ): BackendState {
    const now = ctx.clock.now();
    const actions = s.live.result(token, result, now);
    if (actions === undefined) return s; // stale token: a cancelled probe's late answer
    if (inflightToken === token) inflightToken = undefined;
    countProbe(result);
    setCounterGauge(s.live.state.counter);
    performProbe(actions, s, ctx, now);
    return s;
  }

  async function onUpdate(
    s: BackendState,
    msg: Extract<BackendMsg, { t: "update" }>,
    ctx: ActorContext<BackendMsg>,
  ): Promise<BackendState> {
    const moved: BackendState = { spec: msg.spec, target: { address: msg.spec.address }, live: s.live };
    // A crash restart re-runs init(): it must start from the spec in force, not the
    // one this actor was spawned with (maglev-vpp §10.15).
    latest = msg.spec;
    if (!msg.enabledChanged) {
      msg.replyTo.tell({
        ok: true,
        snapshot: snapshotOf(moved.spec, config, moved.live.state, ctx.clock.now()),
      });
      return moved;
    }
    const r = await operate(moved, msg.spec.enabled ? "enable" : "disable", ctx);
    msg.replyTo.tell(r.reply);
    return r.state;
  }

  return {
    kind: "health-backend",
    // Results and timer fires are few per backend; operator bursts are tiny. Keep the mailbox small.
    mailbox: { capacity: 64 },
    init(ctx) {
      const now = ctx.clock.now();
      const spec = latest;
      doneResult = undefined;
      // One runner per incarnation: an abandoned async receive of the previous one keeps its own.
      const live = createHealthRunner(config, deps.random);
      const state: BackendState = { spec, target: { address: spec.address }, live };
      const started = live.start(now, { enabled: spec.enabled });
      let announced = started.some((a) => a.kind === "transition");
      perform(started, state, ctx, now);
      // Replay a persisted operator action (admin-store.ts); the probe armed above is cancelled before it can fire.
      const rec = deps.admin.get(name)?.value;
      if (rec !== undefined) {
        const actions = live.step({ kind: "operator", action: rec.action }, now) ?? [];
        announced ||= actions.some((a) => a.kind === "transition");
        perform(actions, state, ctx, now);
      }
      if (!announced) {
        // A fresh worker in `unknown` emits no transition; announce it so subscribers
        // (and the state replay) know the backend exists and is not yet known (§2.7).
        deps.bus.publish({
          kind: "backend-state",
          name,
          address: spec.address,
          state: live.state.status,
          enabled: live.state.enabled,
          counter: live.state.counter,
          transition: undefined,
        });
      }
      setCounterGauge(live.state.counter);
      return state;
    },
    receive(s, msg, ctx) {
      switch (msg.t) {
        case "due":
          return onDue(s, ctx);
        case "probe-done":
          return takeDone(s, ctx);
        case "result":
          return onResult(s, msg.token, msg.result, ctx);
        case "get":
          msg.replyTo.tell(snapshotOf(s.spec, config, s.live.state, ctx.clock.now()));
          return s;
        // Only the rare operator paths are asynchronous (a store write); the probe path stays synchronous.
        case "operator":
          return operate(s, msg.action, ctx).then((r) => {
            msg.replyTo.tell(r.reply);
            return r.state;
          });
        case "update":
          return onUpdate(s, msg, ctx);
        default: {
          const never: never = msg;
          throw new InvariantError(`unknown backend message ${JSON.stringify(never)}`);
        }
      }
    },
    stop() {
      // Abort a running probe, but leave the watchdog entry: an actor that stops
      // without the supervisor meaning it to (supervision gave up) must be reported.
      abortInFlight();
      doneResult = undefined;
    },
  };
}
