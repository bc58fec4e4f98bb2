/**
 * The actor system: the root supervisor of top-level actors, the supervision
 * tree as plain data, quiescence for tests, and an orderly `stop` (children
 * before parents, reverse spawn order, within a deadline) for the
 * composition root's SIGTERM path (style guide rule 19).
 */
import type { Registry } from "prom-client";
import type { Random } from "../../protocols/common/time.js";
import { SlidingWindow } from "./backoff.js";
import { type Cell, supervisionOf } from "./cell.js";
import { spawnChild } from "./context.js";
import { type Clock, SystemClock } from "./clock.js";
import { RuntimeCore, type Supervisor } from "./core.js";
import { type Logger, silentLogger } from "./logger.js";
import { createRegistry } from "./metrics-catalogue.js";
import { createRuntimeMetrics, type RuntimeMetrics } from "./metrics.js";
import { type NactRef, startNactSystem, stopNact } from "./nact-adapter.js";
import { stopAndForget, teardown } from "./supervision.js";
import type { ActorRef, ActorSpec, ActorTreeNode, SupervisionOptions } from "./types.js";

/** Options for `createActorSystem`. */
export interface ActorSystemOptions {
  /**
   * Called once when supervision gives up at the root (a top-level actor
   * escalated, or top-level restarts exceeded the root's intensity). The
   * daemon logs and exits non-zero; the service manager restarts it.
   */
  readonly onFatal: (reason: Error) => void;
  readonly logger?: Logger;
  /** The daemon's registry; a private one is made if omitted. */
  readonly registry?: Registry;
  readonly clock?: Clock;
  /** Jitter source in [0, 1); defaults to `Math.random`. */
  readonly random?: Random;
  /** How the root supervises top-level actors. */
  readonly supervision?: Partial<SupervisionOptions>;
  /**
   * Default slack of actor timers (`ctx.timers.arm`): a fire may be up to
   * this late so that timers due close together share one event-loop
   * wake-up (timer-wheel.ts). Default 1 ms on the system clock (Node's own
   * timer resolution) and 0 (exact) on an injected clock, so fake-clock
   * tests see fires at their exact instants.
   */
  readonly timerSlackMs?: number;
}

/** Result of `ActorSystem.stop`. */
export interface StopOutcome {
  /** False when the deadline hit and remaining actors were stopped without their hooks. */
  readonly clean: boolean;
}

/** A running actor system. */
export interface ActorSystem {
  readonly clock: Clock;
  readonly metrics: RuntimeMetrics;
  readonly registry: Registry;
  /** Spawn a top-level actor supervised by the root. */
  spawn<M, S>(spec: ActorSpec<M, S>, name: string): ActorRef<M>;
  /** Stop a top-level actor (subtree first) and forget it. */
  stopChild(name: string): Promise<void>;
  /** The supervision tree as plain data (served at `GET /actors`). */
  tree(): ActorTreeNode[];
  /** Resolves when no actor has queued work and no supervision step is running (timers may be pending). */
  whenIdle(): Promise<void>;
  /** Stop everything, children before parents, within `deadlineMs` (default 5000). */
  stop(options?: { readonly deadlineMs?: number }): Promise<StopOutcome>;
}

class Root implements Supervisor {
  readonly path = "";
  readonly children = new Map<string, Cell>();
  readonly restartWindow: SlidingWindow;
  readonly incarnation = 1;
  constructor(
    readonly supervision: SupervisionOptions,
    private readonly nact: NactRef,
    private readonly core: () => RuntimeCore,
  ) {
    this.restartWindow = new SlidingWindow(supervision.withinMs);
  }
  canSpawn(): boolean {
    return !this.core().stopped;
  }
  nactParent(): NactRef {
    return this.nact;
  }
}

function node(c: Cell): ActorTreeNode {
  const base = {
    path: c.path,
    kind: c.kind,
    status: c.status,
    restarts: c.restarts,
    mailboxDepth: c.mailboxDepth,
  };
  return c.children.size === 0 ? base : { ...base, children: [...c.children.values()].map(node) };
}

/** Create an actor system. */
export function createActorSystem(options: ActorSystemOptions): ActorSystem {
  const registry = options.registry ?? createRegistry();
  const clock = options.clock ?? new SystemClock();
  const nactSystem = startNactSystem();
  const metrics = createRuntimeMetrics(registry);
  const core = new RuntimeCore(
    clock,
    options.random ?? Math.random,
    options.logger ?? silentLogger(),
    metrics,
    nactSystem,
    options.onFatal,
    options.timerSlackMs ?? (options.clock === undefined ? 1 : 0),
  );
  metrics.setSource(() => core.cells);
  const root = new Root(supervisionOf(options.supervision), nactSystem, () => core);
  let stopping: Promise<StopOutcome> | undefined;

  const stopAll = async (deadlineMs: number): Promise<StopOutcome> => {
    core.stopped = true;
    for (const h of core.pendingRestarts) clock.clearTimeout(h);
    core.pendingRestarts.clear();
    const orderly = (async () => {
      for (const c of [...root.children.values()].reverse()) await teardown(c, "stopped");
      return true;
    })();
    let timer: NodeJS.Timeout | undefined;
    // A real timer on purpose: the deadline is an operational bound (systemd's stop timeout), not actor time.
    const deadline = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), deadlineMs);
    });
    const clean = await Promise.race([orderly, deadline]);
    clearTimeout(timer);
    if (!clean) {
      core.log.warn(
        { deadlineMs },
        "actor system stop deadline exceeded; stopping remaining actors without hooks",
      );
      for (const c of core.cells) if (c.status !== "stopped") c.endIncarnation("stopped");
    }
    stopNact(nactSystem);
    core.timerWheel.clear();
    metrics.close();
    return { clean };
  };

  return {
    clock,
    metrics,
    registry,
    spawn: (spec, name) => spawnChild(core, root, spec, name),
    stopChild: (name) => stopAndForget(root, name),
    tree: () => [...root.children.values()].map(node),
    whenIdle: () => core.whenIdle(),
    stop: (o) => {
      stopping ??= stopAll(o?.deadlineMs ?? 5000);
      return stopping;
    },
  };
}
