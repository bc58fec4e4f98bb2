/**
 * The health subsystem's metrics catalogue (style guide rules 33–34;
 * maglev-vpp.md §8.2 names the upstream equivalents: `maglev_probe_total`,
 * `maglev_backend_health`, `maglev_backend_transitions_total`). Declared on
 * the daemon's registry, which the runtime exposes as `ActorSystem.registry`.
 *
 * Label cardinality: `backend` is bounded by the config (operators choose a
 * finite set of backends); `type`, `result`, `code`, `state`, `from`, `to`
 * are closed unions. The duration histogram is labelled by `type` and
 * `result` only: per-backend buckets would multiply every backend by the
 * bucket count for little diagnostic gain (the per-backend last latency is in
 * the API).
 *
 * Hot path (every probe): the actor binds its series once (`bind`) and bumps
 * them with an addition; the raw counter gauge is written only when it
 * changes. Measured in `bench/health`, label hashing was most of the metrics
 * cost per probe.
 */
import type { Registry } from "prom-client";
import type { HealthStatus } from "../../protocols/health/index.js";
import { HEALTH_STATUSES } from "../../protocols/health/index.js";
import type { ProbeFailureCode } from "../../protocols/health/probe-result.js";
import { defineMetrics } from "../runtime/index.js";
import { FastCounter } from "./fast-counter.js";
import type { StateBus } from "./state-bus.js";
import type { CheckType } from "./types.js";

/** Labels of `magnetite_health_probes_total`. */
export type ProbeLabels = {
  backend: string;
  type: CheckType;
  result: "pass" | "fail";
  code: "ok" | ProbeFailureCode;
};

/** Build the catalogue. `bus` feeds the one-hot state gauge at scrape time. */
export function createHealthMetrics(registry: Registry, bus: StateBus) {
  return defineMetrics(registry, (f) => ({
    // One series per backend and outcome, bumped on every probe: bound handles (fast-counter.ts).
    probes: FastCounter.register<ProbeLabels>(registry, {
      name: "magnetite_health_probes_total",
      help: "Probes run, by backend, probe type, result and result code",
      labelNames: ["backend", "type", "result", "code"],
    }),
    probeDuration: f.histogram<{ type: CheckType; result: "pass" | "fail" }>({
      name: "magnetite_health_probe_duration_seconds",
      help: "Probe duration from start to result, by probe type and result",
      labelNames: ["type", "result"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
    lateness: f.histogram({
      name: "magnetite_health_probe_lateness_seconds",
      help: "How late a probe started relative to its scheduled instant (event-loop and mailbox lag)",
      labelNames: [],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    }),
    state: f.gauge<{ backend: string; state: HealthStatus }>({
      name: "magnetite_health_backend_state",
      help: "Backend state, one-hot: 1 for the current state, 0 for the others",
      labelNames: ["backend", "state"],
      collect: (g) => {
        g.reset();
        for (const e of bus.latest()) {
          for (const s of HEALTH_STATUSES) g.set({ backend: e.name, state: s }, s === e.state ? 1 : 0);
        }
      },
    }),
    transitions: f.counter<{ backend: string; from: HealthStatus; to: HealthStatus }>({
      name: "magnetite_health_backend_transitions_total",
      help: "Backend state transitions, by backend, from-state and to-state",
      labelNames: ["backend", "from", "to"],
    }),
    counter: f.gauge<{ backend: string }>({
      name: "magnetite_health_backend_counter",
      help: "The raw rise/fall counter, 0..rise+fall-1; up iff >= rise (maglev_backend_health upstream)",
      labelNames: ["backend"],
    }),
    overdue: f.gauge({
      name: "magnetite_health_probes_overdue",
      help: "Backends whose next probe is past its deadline (a stalled checker; keepalived #2523)",
      labelNames: [],
    }),
    overdueEpisodes: f.counter<{ backend: string }>({
      name: "magnetite_health_probe_overdue_total",
      help: "Times a backend's probe was found overdue by the watchdog",
      labelNames: ["backend"],
    }),
  }));
}

/** The health metrics catalogue. */
export type HealthMetrics = ReturnType<typeof createHealthMetrics>;
