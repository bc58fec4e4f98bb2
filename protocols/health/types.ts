/**
 * States, events, actions and records of the backend health machine
 * (maglev-vpp.md §3). All are plain immutable data so they can cross actor
 * messages, be logged and be compared in tests.
 */
import type { Millis } from "../common/time.js";
import type { Thresholds } from "./counter.js";
import type { HealthError } from "./errors.js";
import type { ProbeFailureCode, ProbeResult } from "./probe-result.js";
import type { ProbeTiming } from "./timing.js";

/** Backend states (§3.1). Probes run only in unknown, up and down. */
export type HealthStatus = "unknown" | "up" | "down" | "paused" | "disabled" | "removed";

/** Every status, in a fixed order, for truth tables and API enums. */
export const HEALTH_STATUSES: readonly HealthStatus[] = [
  "unknown",
  "up",
  "down",
  "paused",
  "disabled",
  "removed",
];

/** Operator actions (§3.5) plus removal on reload (§2.7). */
export type OperatorAction = "pause" | "resume" | "disable" | "enable" | "remove";

/** Every operator action, for truth tables. */
export const OPERATOR_ACTIONS: readonly OperatorAction[] = ["pause", "resume", "disable", "enable", "remove"];

/**
 * Why a transition happened: the probe's code for probe-driven ones, the
 * action for operator ones (§3.4 records `disabled` for disable [D]), and
 * `no-healthcheck` when a static backend is placed in `up` (§3.6).
 */
export type TransitionCode =
  | "ok"
  | ProbeFailureCode
  | "paused"
  | "resumed"
  | "disabled"
  | "enabled"
  | "removed"
  | "no-healthcheck";

/** One entry of a backend's transition history (§3.4). */
export interface TransitionRecord {
  readonly from: HealthStatus;
  readonly to: HealthStatus;
  /** Monotonic instant of the transition; the shell maps it to wall time for display. */
  readonly at: Millis;
  readonly code: TransitionCode;
  readonly detail: string;
  /** Counter value right after the transition. */
  readonly counter: number;
}

/**
 * The probe slot: at most one probe timer or one probe in flight per backend.
 * Each arm gets a fresh token; a timer fire or result carrying another token
 * is stale (pause/disable cancelled it) and is ignored (DESIGN.md, Actors:
 * timers tagged with a generation).
 */
export type ProbeSlot =
  | { readonly kind: "idle" }
  | { readonly kind: "armed"; readonly token: number; readonly dueAt: Millis }
  | { readonly kind: "running"; readonly token: number; readonly startedAt: Millis };

/** Static configuration of one backend's health machine. */
export interface HealthConfig {
  readonly thresholds: Thresholds;
  /** Probe timing; `undefined` for a backend without a health check (static, §3.6). */
  readonly timing: ProbeTiming | undefined;
  /** Transitions kept per backend (`transition-history`, default 5, §2.2). */
  readonly historyLimit: number;
}

/** The machine's state for one backend. */
export interface BackendHealth {
  readonly status: HealthStatus;
  /** The rise/fall counter, in [0, rise + fall − 1] (§3.2). */
  readonly counter: number;
  /** The operator's enabled flag (§3.5); kept in sync but never the idempotency key. */
  readonly enabled: boolean;
  /** Monotonic instant the current status was entered. */
  readonly since: Millis;
  readonly probe: ProbeSlot;
  /** Token the next arm will use. */
  readonly nextToken: number;
  /** The last `historyLimit` transitions, oldest first. */
  readonly history: readonly TransitionRecord[];
  /** The last probe result recorded, with its instant. */
  readonly lastResult: { readonly at: Millis; readonly result: ProbeResult } | undefined;
}

/** Inputs to the machine. */
export type HealthEvent =
  /** The probe timer armed with `token` fired. */
  | { readonly kind: "probe-due"; readonly token: number }
  /** The probe started for `token` finished. */
  | { readonly kind: "probe-result"; readonly token: number; readonly result: ProbeResult }
  /** An operator action (or removal on reload). */
  | { readonly kind: "operator"; readonly action: OperatorAction };

/** Effects the shell performs, in order. */
export type HealthAction =
  /** Start a timer that delivers `probe-due` with `token` after `delay`. */
  | { readonly kind: "arm-probe"; readonly token: number; readonly delay: Millis; readonly dueAt: Millis }
  /** Run one probe now, bounded by `timeout`, and deliver `probe-result` with `token`. */
  | { readonly kind: "run-probe"; readonly token: number; readonly timeout: Millis }
  /** Cancel the timer or abort the in-flight probe of `token` (its events would be stale anyway). */
  | { readonly kind: "cancel-probe"; readonly token: number }
  /** Publish, log and count a transition; also appended to `history`. */
  | { readonly kind: "transition"; readonly record: TransitionRecord }
  /** The operator action is refused; the state is unchanged. */
  | { readonly kind: "reject"; readonly error: HealthError };

/** What one step returns. */
export interface StepOutput {
  readonly state: BackendHealth;
  readonly actions: readonly HealthAction[];
}
