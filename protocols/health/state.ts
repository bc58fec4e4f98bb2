/**
 * The backend health machine (maglev-vpp.md §3): `step(state, event, now)`
 * returns the next state and the actions for the shell to perform. Sans-io:
 * time is a parameter and jitter comes from the injected {@link Random}.
 *
 * Probe lifecycle: `arm-probe` → (timer) `probe-due` → `run-probe` →
 * (probe) `probe-result` → counter update → maybe `transition` → `arm-probe`.
 * Only one probe per backend is ever armed or running; leaving the probed
 * states (pause, disable, remove) emits `cancel-probe` so the probe is really
 * stopped, not just ignored (§3.1, bug 16 in §10), and any late fire or result
 * carries a stale token and is dropped.
 */
import { assertNever } from "../common/assert-never.js";
import type { Millis, Random } from "../common/time.js";
import { millis } from "../common/time.js";
import { afterFail, afterPass, counterMax, isHealthy, unknownCounter } from "./counter.js";
import { healthError } from "./errors.js";
import { OPERATOR_TABLE } from "./operator-table.js";
import type { ProbeResult } from "./probe-result.js";
import { firstProbeDelay, nextProbeDelay } from "./schedule.js";
import type {
  BackendHealth,
  HealthAction,
  HealthConfig,
  HealthEvent,
  HealthStatus,
  OperatorAction,
  StepOutput,
  TransitionCode,
} from "./types.js";

/** Options for {@link HealthCore.start}. */
export interface StartOptions {
  /** The config's `enabled` (§2.5, default true); false starts in `disabled`. */
  readonly enabled?: boolean;
  /**
   * The state of a previous worker for the same backend (health check changed
   * on reload, §2.7): its history is kept, its token sequence continues so its
   * stale timers stay stale, and its pending probe is cancelled.
   */
  readonly previous?: BackendHealth;
}

/** A health machine bound to one backend's config and a randomness source. */
export interface HealthCore {
  readonly config: HealthConfig;
  /** The initial state: `unknown` and probing, `up` if static (§3.6), `disabled` if not enabled. */
  start(now: Millis, options?: StartOptions): StepOutput;
  /** Apply one event. Never throws; stale or irrelevant events return the same state and no actions. */
  step(state: BackendHealth, event: HealthEvent, now: Millis): StepOutput;
}

/** Build the machine for one backend. */
export function createHealthCore(config: HealthConfig, random: Random): HealthCore {
  const t = config.thresholds;
  const timing = config.timing;
  const unchanged = (state: BackendHealth): StepOutput => ({ state, actions: [] });

  /** Move to `to`, appending a record to the bounded history. */
  function enter(
    s: BackendHealth,
    to: HealthStatus,
    counter: number,
    code: TransitionCode,
    detail: string,
    now: Millis,
  ): { state: BackendHealth; action: HealthAction } {
    const record = { from: s.status, to, at: now, code, detail, counter };
    const history = [...s.history, record].slice(-config.historyLimit);
    return {
      state: { ...s, status: to, counter, since: now, history },
      action: { kind: "transition", record },
    };
  }

  /** Arm the next probe `delay` from now with a fresh token. */
  function arm(s: BackendHealth, delay: Millis, now: Millis): { state: BackendHealth; action: HealthAction } {
    const token = s.nextToken;
    const dueAt = millis(now + delay);
    return {
      state: { ...s, probe: { kind: "armed", token, dueAt }, nextToken: token + 1 },
      action: { kind: "arm-probe", token, delay, dueAt },
    };
  }

  /** Stop whatever probe is armed or running. */
  function cancel(s: BackendHealth): { state: BackendHealth; actions: HealthAction[] } {
    if (s.probe.kind === "idle") return { state: s, actions: [] };
    return {
      state: { ...s, probe: { kind: "idle" } },
      actions: [{ kind: "cancel-probe", token: s.probe.token }],
    };
  }

  /** (Re)enter `unknown` and start probing, or go straight to `up` when static (§3.6). */
  function restart(s: BackendHealth, code: TransitionCode, detail: string, now: Millis): StepOutput {
    if (timing === undefined) {
      const up = enter(s, "up", counterMax(t), code, detail, now);
      return { state: up.state, actions: [up.action] };
    }
    const entered = enter(s, "unknown", unknownCounter(t), code, detail, now);
    const armed = arm(entered.state, firstProbeDelay(timing, random), now);
    return { state: armed.state, actions: [entered.action, armed.action] };
  }

  function onDue(s: BackendHealth, token: number, now: Millis): StepOutput {
    if (timing === undefined || s.probe.kind !== "armed" || s.probe.token !== token) return unchanged(s);
    return {
      state: { ...s, probe: { kind: "running", token, startedAt: now } },
      actions: [{ kind: "run-probe", token, timeout: timing.timeout }],
    };
  }

  function onResult(s: BackendHealth, token: number, result: ProbeResult, now: Millis): StepOutput {
    if (timing === undefined || s.probe.kind !== "running" || s.probe.token !== token) return unchanged(s);
    // A running slot implies a probed status; checked anyway so a corrupted state cannot probe.
    if (s.status !== "unknown" && s.status !== "up" && s.status !== "down") return unchanged(s);
    const counter = result.ok ? afterPass(s.counter, t) : afterFail(s.counter, t);
    // §3.2: any failure while unknown goes straight to down, whatever the counter.
    const to: HealthStatus =
      s.status === "unknown" && !result.ok ? "down" : isHealthy(counter, t) ? "up" : "down";
    const recorded: BackendHealth = { ...s, counter, lastResult: { at: now, result } };
    const actions: HealthAction[] = [];
    let next = recorded;
    if (to !== s.status) {
      const entered = enter(recorded, to, counter, result.code, result.detail, now);
      next = entered.state;
      actions.push(entered.action);
    }
    const delay = nextProbeDelay(to, counter, t, timing, random);
    if (delay === undefined) return { state: { ...next, probe: { kind: "idle" } }, actions };
    const armed = arm(next, delay, now);
    actions.push(armed.action);
    return { state: armed.state, actions };
  }

  function onOperator(s: BackendHealth, action: OperatorAction, now: Millis): StepOutput {
    const outcome = OPERATOR_TABLE[s.status][action];
    const enabled = action === "enable" ? true : action === "disable" ? false : s.enabled;
    switch (outcome.kind) {
      case "reject": {
        const what = outcome.code === "HC_E_BACKEND_DISABLED" ? "disabled" : "removed";
        return {
          state: s,
          actions: [
            { kind: "reject", error: healthError(outcome.code, `cannot ${action} a ${what} backend`) },
          ],
        };
      }
      case "keep":
        return enabled === s.enabled ? unchanged(s) : unchanged({ ...s, enabled });
      case "enter": {
        const flagged = enabled === s.enabled ? s : { ...s, enabled };
        const detail = action === "remove" ? "removed from config" : `operator ${action}`;
        if (outcome.to === "unknown") return restart(flagged, outcome.code, detail, now);
        const stopped = cancel(flagged);
        const entered = enter(stopped.state, outcome.to, stopped.state.counter, outcome.code, detail, now);
        return { state: entered.state, actions: [...stopped.actions, entered.action] };
      }
      default:
        return assertNever(outcome, "operator outcome");
    }
  }

  return {
    config,
    start(now, options = {}) {
      const previous = options.previous;
      const base: BackendHealth = {
        status: "unknown",
        counter: unknownCounter(t),
        enabled: options.enabled ?? true,
        since: now,
        probe: { kind: "idle" },
        nextToken: previous?.nextToken ?? 0,
        history: previous?.history.slice(-config.historyLimit) ?? [],
        lastResult: undefined,
      };
      const cancelled: HealthAction[] =
        previous !== undefined && previous.probe.kind !== "idle"
          ? [{ kind: "cancel-probe", token: previous.probe.token }]
          : [];
      if (!base.enabled) {
        const entered = enter(base, "disabled", base.counter, "disabled", "disabled in config", now);
        return { state: entered.state, actions: [...cancelled, entered.action] };
      }
      if (timing === undefined) {
        const up = enter(base, "up", counterMax(t), "no-healthcheck", "no health check configured", now);
        return { state: up.state, actions: [...cancelled, up.action] };
      }
      const armed = arm(base, firstProbeDelay(timing, random), now);
      return { state: armed.state, actions: [...cancelled, armed.action] };
    },
    step(state, event, now) {
      switch (event.kind) {
        case "probe-due":
          return onDue(state, event.token, now);
        case "probe-result":
          return onResult(state, event.token, event.result, now);
        case "operator":
          return onOperator(state, event.action, now);
        default:
          return assertNever(event, "health event");
      }
    },
  };
}
