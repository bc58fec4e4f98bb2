/**
 * The LB subsystem's facade for the composition root and the API: start the
 * supervisor with the configured frontends, answer queries and weight changes
 * by asking it (always with a deadline), apply reloads, run syncs on demand,
 * read the dataplane's own view, and expose the transition stream.
 *
 * Everything the actors share is built here once: the backend fanout (one
 * subscription to the backend-state source), the event hub, and the metrics
 * catalogue on the daemon's registry. The dataplane itself is built by the
 * composition root and handed in.
 */
import type { Logger } from "pino";
import type { LbDataplane } from "../../dataplane/lb-dataplane.js";
import { hostVipKey, type LbState, vipKeyId } from "../../protocols/lb/types.js";
import { type ActorRef, type ActorSystem, ask } from "../runtime/index.js";
import { BackendFanout } from "./backend-fanout.js";
import { LbEventHub } from "./event-hub.js";
import { createLbMetrics, type LbMetrics } from "./metrics.js";
import type { OverrideStore, OwnedVipStore } from "./persistence.js";
import { type ApplyLbReport, type LbSupervisorMsg, lbSupervisor } from "./supervisor.js";
import type {
  BackendStates,
  DataplaneStatus,
  FrontendSnapshot,
  LbPlan,
  SyncReport,
  WeightReply,
} from "./types.js";

/** Options of the LB service. */
export interface LbServiceOptions {
  readonly actors: ActorSystem;
  readonly dataplane: LbDataplane;
  readonly states: BackendStates;
  readonly overrides: OverrideStore;
  readonly owned: OwnedVipStore;
  readonly logger: Logger;
  /** Deadline of each ask to an actor; default 2000 ms. */
  readonly askTimeoutMs?: number;
  /** Backoff of failed syncs; default 1 s doubling to 30 s. */
  readonly retry?: { readonly initialMs: number; readonly maxMs: number };
  /** Wall clock for event timestamps (tests). */
  readonly wallClock?: () => Date;
}

/** Name of the supervisor under the actor system's root. */
export const LB_SUPERVISOR_NAME = "lb";

/** The running LB subsystem. */
export class LbService {
  readonly hub: LbEventHub;
  readonly fanout: BackendFanout;
  readonly metrics: LbMetrics;
  private plan: LbPlan | undefined;
  private supervisor: ActorRef<LbSupervisorMsg> | undefined;
  private readonly askTimeoutMs: number;
  private offDataplane: (() => void) | undefined;
  private offTransitions: (() => void) | undefined;

  constructor(private readonly options: LbServiceOptions) {
    const log = options.logger.child({ component: "lb" });
    this.hub = new LbEventHub(log, options.wallClock);
    this.fanout = new BackendFanout(log);
    this.metrics = createLbMetrics(options.actors.registry, this.hub, options.dataplane);
    this.askTimeoutMs = options.askTimeoutMs ?? 2000;
  }

  /** The dataplane in use (for the API's `kind`). */
  get dataplane(): LbDataplane {
    return this.options.dataplane;
  }

  /** Spawn the actors, subscribe to backend states and dataplane events, start the dataplane. */
  async start(plan: LbPlan): Promise<void> {
    this.plan = plan;
    const o = this.options;
    const startedAt = o.actors.clock.now();
    this.offTransitions = this.fanout.onTransition((t) => this.hub.backend(t.name, t.from, t.to));
    this.supervisor = o.actors.spawn(
      lbSupervisor({
        dataplane: {
          dataplane: o.dataplane,
          metrics: this.metrics,
          owned: o.owned,
          startedAt,
          warmup: plan.settings.warmup,
          settings: () => ({
            syncIntervalMs: this.current().settings.syncIntervalMs,
            conf: this.current().settings.conf,
          }),
          retry: o.retry ?? { initialMs: 1000, maxMs: 30_000 },
        },
        frontend: { fanout: this.fanout, hub: this.hub, overrides: o.overrides },
        overrides: o.overrides,
        plan: () => this.current(),
        askTimeoutMs: this.askTimeoutMs,
      }),
      LB_SUPERVISOR_NAME,
    );
    const ref = this.supervisor;
    this.offDataplane = o.dataplane.onEvent((e) => {
      ref.tell(
        e.kind === "connected"
          ? { t: "connection", up: true }
          : { t: "connection", up: false, reason: e.reason },
      );
    });
    this.fanout.start(o.states);
    await o.dataplane.start();
  }

  private current(): LbPlan {
    if (this.plan === undefined) throw new Error("lb service not started");
    return this.plan;
  }

  private ref(): ActorRef<LbSupervisorMsg> {
    if (this.supervisor === undefined) throw new Error("lb service not started");
    return this.supervisor;
  }

  /** Every frontend's snapshot, sorted by name (a fan-out query; nothing is cached). */
  list(): Promise<FrontendSnapshot[]> {
    return ask<LbSupervisorMsg, FrontendSnapshot[]>(
      this.ref(),
      (replyTo) => ({ t: "list", replyTo }),
      this.askTimeoutMs * 2,
    );
  }

  /** One frontend's snapshot, `undefined` when no such frontend is configured. */
  get(name: string): Promise<FrontendSnapshot | undefined> {
    return ask<LbSupervisorMsg, FrontendSnapshot | undefined>(
      this.ref(),
      (replyTo) => ({ t: "get", name, replyTo }),
      this.askTimeoutMs,
    );
  }

  /** Operator weight override (persisted), with an optional flush of that backend (§5.3). */
  setWeight(
    name: string,
    pool: string,
    backend: string,
    weight: number,
    flush: boolean,
  ): Promise<WeightReply> {
    return ask<LbSupervisorMsg, WeightReply>(
      this.ref(),
      (replyTo) => ({ t: "set-weight", name, pool, backend, weight, flush, replyTo }),
      this.askTimeoutMs * 2,
    );
  }

  /** Run a full sync now (held back during warmup). */
  sync(timeoutMs = 30_000): Promise<SyncReport> {
    return ask<LbSupervisorMsg, SyncReport>(this.ref(), (replyTo) => ({ t: "sync", replyTo }), timeoutMs);
  }

  /** The dataplane actor's status. */
  status(): Promise<DataplaneStatus> {
    return ask<LbSupervisorMsg, DataplaneStatus>(
      this.ref(),
      (replyTo) => ({ t: "status", replyTo }),
      this.askTimeoutMs,
    );
  }

  /** The configured frontend whose VIP has this id (`vipKeyId`), if any. */
  frontendOfVip(id: string): string | undefined {
    for (const f of this.plan?.frontends ?? []) {
      if (vipKeyId(hostVipKey(f.address, f.protocol, f.port)) === id) return f.name;
    }
    return undefined;
  }

  /** The dataplane's own view (throws `LB_E_UNAVAILABLE` while disconnected). */
  vips(): Promise<LbState> {
    return this.options.dataplane.read();
  }

  /** Apply a reload: only the difference (§2.7); the warmup clock is not reset. */
  async apply(plan: LbPlan): Promise<ApplyLbReport> {
    const next: LbPlan = { ...plan, settings: { ...plan.settings, warmup: this.current().settings.warmup } };
    this.plan = next;
    return ask<LbSupervisorMsg, ApplyLbReport>(
      this.ref(),
      (replyTo) => ({ t: "apply", plan: next, replyTo }),
      this.askTimeoutMs * (4 + plan.frontends.length),
    );
  }

  /** Stop the actors, the subscriptions and the dataplane. */
  async stop(): Promise<void> {
    this.offDataplane?.();
    this.offTransitions?.();
    this.fanout.stop();
    if (this.supervisor !== undefined) {
      this.supervisor = undefined;
      await this.options.actors.stopChild(LB_SUPERVISOR_NAME).catch(() => undefined);
    }
    await this.options.dataplane.stop();
  }
}
