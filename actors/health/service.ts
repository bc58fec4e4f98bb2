/**
 * The health subsystem's facade for the composition root and the API: start
 * the supervisor with the configured backends, answer queries and operator
 * actions by asking it (always with a deadline), apply reload plans, and
 * offer the latest-value subscription to backend states.
 *
 * Everything the actors share is built here once: the state bus, the
 * metrics catalogue on the daemon's registry, the watchdog table, and the
 * probe factory (with the ICMP pinger).
 */
import type { Logger } from "pino";
import type { Random } from "../../protocols/common/time.js";
import { DEFAULT_HISTORY_LIMIT } from "../../protocols/health/index.js";
import type { Probe } from "../../dataplane/probes/index.js";
import type { Result } from "../../protocols/common/result.js";
import { type ActorRef, type ActorSystem, ask } from "../runtime/index.js";
import type { AdminStore } from "./admin-store.js";
import { createHealthMetrics, type HealthMetrics } from "./metrics.js";
import { buildProbe, type CheckError, type ProbeDeps } from "./probe-factory.js";
import { StateBus, type StateSubscriber } from "./state-bus.js";
import { type ApplyReport, healthSupervisor, type SupervisorMsg } from "./supervisor.js";
import type {
  AdminAction,
  BackendSnapshot,
  BackendSpec,
  CheckSpec,
  OperatorReply,
  ReloadPlan,
} from "./types.js";
import { ProbeWatch } from "./watchdog.js";

/** Options of the health service. */
export interface HealthServiceOptions {
  readonly actors: ActorSystem;
  readonly admin: AdminStore;
  readonly logger: Logger;
  /** Builds probes; defaults to `buildProbe` over `probeDeps` (tests inject scripted probes). */
  readonly makeProbe?: (check: CheckSpec) => Result<Probe, CheckError>;
  /** Needed when `makeProbe` is not given. */
  readonly probeDeps?: ProbeDeps;
  /** Jitter source; default `Math.random`. */
  readonly random?: Random;
  /** `transition-history` (§2.2), default 5. */
  readonly historyLimit?: number;
  /** Deadline of each ask to an actor; default 2000 ms. */
  readonly askTimeoutMs?: number;
  /** Period of the overdue-probe scan; default 5000 ms. */
  readonly watchdogIntervalMs?: number;
  /**
   * Largest slack of a probe timer in ms (default 10; 0 = exact): probes due
   * within it share an event-loop wake-up. See `BackendDeps.probeSlackMs`.
   */
  readonly probeSlackMs?: number;
  /** Benchmark hook: called with each probe's start lateness in ms. */
  readonly onProbeStart?: (lateMs: number) => void;
}

/**
 * Default probe timer slack: at 1,000 probes per second, 10 ms buckets turn
 * ~1,000 event-loop wake-ups per second into ≤ 100 (bench/health), and
 * 10 ms is 1 % of a 1 s interval whose jitter is ±10 % (§2.4).
 */
export const DEFAULT_PROBE_SLACK_MS = 10;

/** Name of the supervisor under the actor system's root. */
export const SUPERVISOR_NAME = "health";

/** The running health subsystem. */
export class HealthService {
  readonly bus: StateBus;
  readonly metrics: HealthMetrics;
  readonly watch = new ProbeWatch();
  private readonly desired = new Map<string, BackendSpec>();
  private supervisor: ActorRef<SupervisorMsg> | undefined;
  private readonly askTimeoutMs: number;

  constructor(private readonly options: HealthServiceOptions) {
    this.bus = new StateBus(options.logger);
    this.metrics = createHealthMetrics(options.actors.registry, this.bus);
    this.askTimeoutMs = options.askTimeoutMs ?? 2000;
  }

  /** Spawn the supervisor and one actor per backend. */
  start(backends: readonly BackendSpec[]): void {
    for (const b of backends) this.desired.set(b.name, b);
    const o = this.options;
    const probeDeps = o.probeDeps;
    const makeProbe =
      o.makeProbe ??
      ((check: CheckSpec): Result<Probe, CheckError> => {
        if (probeDeps === undefined)
          return { ok: false, error: { field: "", message: "no probe dependencies" } };
        return buildProbe(check, probeDeps);
      });
    this.supervisor = o.actors.spawn(
      healthSupervisor({
        backend: {
          makeProbe,
          admin: o.admin,
          bus: this.bus,
          metrics: this.metrics,
          watch: this.watch,
          random: o.random ?? Math.random,
          historyLimit: o.historyLimit ?? DEFAULT_HISTORY_LIMIT,
          probeSlackMs: o.probeSlackMs ?? DEFAULT_PROBE_SLACK_MS,
          ...(o.onProbeStart === undefined ? {} : { onProbeStart: o.onProbeStart }),
        },
        desired: () => [...this.desired.values()],
        askTimeoutMs: this.askTimeoutMs,
        watchdogIntervalMs: o.watchdogIntervalMs ?? 5000,
        log: o.logger.child({ component: "health" }),
      }),
      SUPERVISOR_NAME,
    );
  }

  private ref(): ActorRef<SupervisorMsg> {
    if (this.supervisor === undefined) throw new Error("health service not started");
    return this.supervisor;
  }

  /** Every backend's snapshot, sorted by name (a fan-out query; nothing is cached). */
  list(): Promise<BackendSnapshot[]> {
    // The supervisor's own deadline per child is askTimeoutMs; leave it room to answer.
    return ask<SupervisorMsg, BackendSnapshot[]>(
      this.ref(),
      (replyTo) => ({ t: "list", replyTo }),
      this.askTimeoutMs * 2,
    );
  }

  /** One backend's snapshot, `undefined` when no such backend is configured. */
  get(name: string): Promise<BackendSnapshot | undefined> {
    return ask<SupervisorMsg, BackendSnapshot | undefined>(
      this.ref(),
      (replyTo) => ({ t: "get", name, replyTo }),
      this.askTimeoutMs,
    );
  }

  /** Pause, resume, disable or enable a backend (persisted before it takes effect). */
  operate(name: string, action: AdminAction): Promise<OperatorReply> {
    return ask<SupervisorMsg, OperatorReply>(
      this.ref(),
      (replyTo) => ({ t: "operator", name, action, replyTo }),
      this.askTimeoutMs * 2,
    );
  }

  /** Apply a reload plan (§2.7); resolves when every step is done. */
  async apply(plan: ReloadPlan): Promise<ApplyReport> {
    for (const name of plan.stop) this.desired.delete(name);
    for (const s of [...plan.start, ...plan.restart]) this.desired.set(s.name, s);
    for (const u of plan.update) this.desired.set(u.spec.name, u.spec);
    const steps = plan.stop.length + plan.start.length + plan.restart.length + plan.update.length;
    return ask<SupervisorMsg, ApplyReport>(
      this.ref(),
      (replyTo) => ({ t: "apply", plan, replyTo }),
      this.askTimeoutMs * (2 + steps),
    );
  }

  /** Subscribe to backend states (latest-value; current states replayed first). */
  subscribe(subscriber: StateSubscriber): () => void {
    return this.bus.subscribe(subscriber);
  }

  /** Stop the supervisor (its children first) and the bus. */
  async stop(): Promise<void> {
    if (this.supervisor !== undefined) {
      this.supervisor = undefined;
      await this.options.actors.stopChild(SUPERVISOR_NAME).catch(() => undefined);
    }
    this.bus.close();
  }
}
