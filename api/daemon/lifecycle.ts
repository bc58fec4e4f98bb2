/**
 * Start/stop discipline for the daemon's components (style guide rule 19):
 * start in dependency order; a failed start stops whatever did start, then
 * rethrows; stop in reverse order within one deadline. The per-component
 * state feeds `/readyz`.
 */
import type { Logger } from "pino";
import type { Readiness } from "../schemas/system.js";

/** Something the composition root starts and stops. */
export interface Component {
  readonly name: string;
  /** Resolve once the component is serving. `signal` aborts when the daemon is shutting down. */
  start(signal: AbortSignal): Promise<void>;
  /** Release everything; must be safe to call after a partial start. */
  stop(): Promise<void>;
}

type State = Readiness["subsystems"][number]["state"];

/** Thrown by `stop` when components did not finish within the deadline. */
export class StopDeadlineError extends Error {
  override readonly name = "StopDeadlineError";
  constructor(readonly pending: readonly string[]) {
    super(`components did not stop within the deadline: ${pending.join(", ")}`);
  }
}

/** Ordered components with their states. */
export class Lifecycle {
  private readonly states = new Map<string, State>();
  private readonly abort = new AbortController();
  private started: Component[] = [];

  constructor(
    private readonly components: readonly Component[],
    private readonly log: Logger,
  ) {
    for (const c of components) this.states.set(c.name, "stopped");
  }

  /** Start every component in order; on failure stop those started and rethrow. */
  async start(): Promise<void> {
    for (const c of this.components) {
      this.states.set(c.name, "starting");
      const t0 = performance.now();
      try {
        await c.start(this.abort.signal);
      } catch (e) {
        this.states.set(c.name, "failed");
        this.log.error({ component: c.name, err: e }, "component failed to start");
        await this.stop(10_000).catch(() => undefined);
        throw e;
      }
      this.started.push(c);
      this.states.set(c.name, "running");
      this.log.info({ component: c.name, ms: Math.round(performance.now() - t0) }, "component started");
    }
  }

  /**
   * Stop started components in reverse order. Each gets what is left of the
   * deadline; one that overruns is abandoned (logged) and the rest still stop.
   */
  async stop(deadlineMs: number): Promise<void> {
    this.abort.abort();
    const until = performance.now() + deadlineMs;
    const pending: string[] = [];
    for (const c of this.started.reverse()) {
      this.states.set(c.name, "stopping");
      const left = Math.max(0, until - performance.now());
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), left);
      });
      try {
        const r = await Promise.race([c.stop().then(() => "ok" as const), timedOut]);
        if (r === "timeout") {
          pending.push(c.name);
          this.states.set(c.name, "failed");
          this.log.error({ component: c.name }, "component did not stop within the deadline");
        } else {
          this.states.set(c.name, "stopped");
          this.log.info({ component: c.name }, "component stopped");
        }
      } catch (e) {
        this.states.set(c.name, "failed");
        this.log.error({ component: c.name, err: e }, "component failed to stop");
      } finally {
        clearTimeout(timer);
      }
    }
    this.started = [];
    if (pending.length > 0) throw new StopDeadlineError(pending);
  }

  /** The readiness report: ready iff every component is running. */
  readiness(): Readiness {
    const subsystems = [...this.states].map(([name, state]) => ({ name, state }));
    return { ready: subsystems.every((s) => s.state === "running"), subsystems };
  }
}
