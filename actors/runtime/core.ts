/**
 * State shared by every actor of one system: clock, randomness, logging,
 * metrics, the nact system, bookkeeping for quiescence (`whenIdle`) and the
 * pending restart timers that `stop()` must cancel. Internal to the runtime.
 */
import type { Random } from "../../protocols/common/time.js";
import type { Clock, TimerHandle } from "./clock.js";
import type { Logger } from "./logger.js";
import type { RuntimeMetrics } from "./metrics.js";
import type { NactRef } from "./nact-adapter.js";
import type { SlidingWindow } from "./backoff.js";
import type { SupervisionOptions } from "./types.js";
import type { Cell } from "./cell.js";
import { RunQueue } from "./run-queue.js";
import { TimerWheel } from "./timer-wheel.js";

/** Anything that supervises children: an actor cell or the system root. */
export interface Supervisor {
  readonly path: string;
  /** Children in spawn order (rest-for-one depends on it). */
  readonly children: Map<string, Cell>;
  readonly supervision: SupervisionOptions;
  /** Restarts of children inside the intensity window. */
  readonly restartWindow: SlidingWindow;
  /** Bumped whenever the supervisor's own incarnation changes. */
  readonly incarnation: number;
  /** True when the supervisor can (re)start children now. */
  canSpawn(): boolean;
  /** The nact actor children are spawned under. */
  nactParent(): NactRef;
}

/** Shared per-system state. */
export class RuntimeCore {
  /** All cells not yet removed by `stopChild`, for scrape-time metrics. */
  readonly cells = new Set<Cell>();
  /** Restart timers not yet fired; `stop()` clears them so the process can exit. */
  readonly pendingRestarts = new Set<TimerHandle>();
  /** Actors with work, served one envelope each per round (run-queue.ts). */
  readonly runQueue: RunQueue;
  /** Every actor timer of the system, on one clock timer (timer-wheel.ts). */
  readonly timerWheel: TimerWheel;
  restartSeq = 0;
  stopped = false;
  private busy = 0;
  private ops = 0;
  private waiters: Array<() => void> = [];
  private fatalCalled = false;

  constructor(
    readonly clock: Clock,
    readonly random: Random,
    readonly log: Logger,
    readonly metrics: RuntimeMetrics,
    readonly nactSystem: NactRef,
    private readonly onFatal: (reason: Error) => void,
    timerSlackMs: number,
  ) {
    this.runQueue = new RunQueue((e: unknown) => this.log.error({ err: e }, "actor dispatch failed"));
    this.timerWheel = new TimerWheel(clock, timerSlackMs, (e: unknown) =>
      this.log.error({ err: e }, "actor timer delivery failed"),
    );
  }

  /** An actor got work (it is in the run queue or handling a message). */
  busyInc(): void {
    this.busy += 1;
  }

  /** An actor ran out of work. */
  busyDec(): void {
    this.busy -= 1;
    this.maybeIdle();
  }

  /**
   * Run an asynchronous supervision operation and track it so `whenIdle`
   * waits for it. Counted before `op` starts, so the synchronous part of
   * `op` (which may idle the crashed actor) cannot signal idleness early.
   */
  track(op: () => Promise<void>): void {
    this.ops += 1;
    let p: Promise<void>;
    try {
      p = op();
    } catch (e: unknown) {
      p = Promise.reject(e);
    }
    p.catch((e: unknown) => this.log.error({ err: e }, "supervision operation failed")).finally(() => {
      this.ops -= 1;
      this.maybeIdle();
    });
  }

  /** True when no actor has queued work and no supervision operation is running. */
  isIdle(): boolean {
    return this.busy === 0 && this.ops === 0;
  }

  /** Resolves at the next quiescent point. */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Root escalation: call `onFatal` once. */
  fatal(reason: Error): void {
    if (this.fatalCalled) return;
    this.fatalCalled = true;
    this.log.fatal({ err: reason }, "supervision gave up at the root");
    this.onFatal(reason);
  }

  private maybeIdle(): void {
    if (!this.isIdle() || this.waiters.length === 0) return;
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }
}
