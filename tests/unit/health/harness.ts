/**
 * A tiny shell for the health core in tests: it plays the actor's part
 * (fires the armed timer, runs the probe with a chosen outcome) on a virtual
 * clock, and records every action.
 */
import { millis } from "../../../protocols/common/time.js";
import type { Random } from "../../../protocols/common/time.js";
import { parseHealthConfig } from "../../../protocols/health/config.js";
import { parseThresholds } from "../../../protocols/health/counter.js";
import type { HealthCheckInput } from "../../../protocols/health/config.js";
import type { ProbeFailureCode, ProbeResult } from "../../../protocols/health/probe-result.js";
import { probeFailure, probePass } from "../../../protocols/health/probe-result.js";
import { createHealthCore } from "../../../protocols/health/state.js";
import type { HealthCore, StartOptions } from "../../../protocols/health/state.js";
import type {
  BackendHealth,
  HealthAction,
  HealthEvent,
  OperatorAction,
} from "../../../protocols/health/types.js";

/** Timing used by most tests: interval 1000, fast 200, down 5000, timeout 100. */
export const TEST_CHECK: HealthCheckInput = {
  interval: 1000,
  fastInterval: 200,
  downInterval: 5000,
  timeout: 100,
};

/** Build a core; `check: undefined` makes a static backend. */
export function makeCore(
  rise: number,
  fall: number,
  options: { static?: boolean; historyLimit?: number; random?: Random } = {},
): HealthCore {
  const cfg = parseHealthConfig(
    options.static === true ? undefined : { ...TEST_CHECK, rise, fall },
    options.historyLimit,
  );
  const thresholds = parseThresholds(rise, fall);
  if (!cfg.ok) throw new Error(cfg.error.message);
  if (!thresholds.ok) throw new Error(thresholds.error.message);
  const config = { ...cfg.value, thresholds: thresholds.value };
  return createHealthCore(config, options.random ?? (() => 0.5));
}

export const pass = (): ProbeResult => probePass("HTTP 200", millis(3));
export const fail = (code: ProbeFailureCode = "refused"): ProbeResult =>
  probeFailure(code, `${code} detail`, millis(3));

/** Drives one backend's core like the actor shell would. */
export class Driver {
  state: BackendHealth;
  now = 0;
  readonly actions: HealthAction[] = [];
  last: readonly HealthAction[] = [];

  constructor(
    readonly core: HealthCore,
    options: StartOptions = {},
  ) {
    const out = core.start(millis(0), options);
    this.state = out.state;
    this.record(out.actions);
  }

  private record(actions: readonly HealthAction[]): void {
    this.last = actions;
    this.actions.push(...actions);
  }

  send(event: HealthEvent): readonly HealthAction[] {
    const out = this.core.step(this.state, event, millis(this.now));
    this.state = out.state;
    this.record(out.actions);
    return out.actions;
  }

  /** Fire the armed timer (advancing the clock to its due time) and run the probe with `result`. */
  probe(result: ProbeResult): readonly HealthAction[] {
    const slot = this.state.probe;
    if (slot.kind !== "armed") throw new Error(`no probe armed in ${this.state.status}`);
    this.now = slot.dueAt;
    const due = this.send({ kind: "probe-due", token: slot.token });
    if (due[0]?.kind !== "run-probe") throw new Error("probe-due did not run a probe");
    this.now += 3;
    return [...due, ...this.send({ kind: "probe-result", token: slot.token, result })];
  }

  passes(n: number): void {
    for (let i = 0; i < n; i++) this.probe(pass());
  }

  fails(n: number): void {
    for (let i = 0; i < n; i++) this.probe(fail());
  }

  op(action: OperatorAction): readonly HealthAction[] {
    return this.send({ kind: "operator", action });
  }

  transitions(): string[] {
    return this.actions.flatMap((a) => (a.kind === "transition" ? [`${a.record.from}->${a.record.to}`] : []));
  }
}
