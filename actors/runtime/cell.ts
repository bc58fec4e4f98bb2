/**
 * One actor: its bounded mailbox, state, timers, children and the nact actor
 * of its current incarnation (which mirrors the tree; it carries no
 * messages). A cell outlives incarnations (restarts), so an `ActorRef` stays
 * valid across them; identity is the path.
 *
 * Message flow: `tell` → `Mailbox.offer` → `kick` puts the cell in the
 * system's run queue (once) → the next round calls `runToken` → one envelope
 * is handled (system envelopes — init, timer fires — first) → `next` queues
 * the cell again or goes idle. An `inline` timer fire of an idle actor skips
 * the queue and is handled in the timer wheel's macrotask (`timerFired`). Faults never leave the cell: they are caught
 * here and handed to `supervision.ts` on a tracked promise.
 */
import { DEFAULT_BACKOFF, SlidingWindow } from "./backoff.js";
import type { RuntimeCore, Supervisor } from "./core.js";
import { CellContext, CellRef } from "./context.js";
import { crashReason } from "./errors.js";
import { actorLogger, type Logger } from "./logger.js";
import { DEFAULT_MAILBOX, Mailbox } from "./mailbox.js";
import type { DropReason } from "./metrics.js";
import { type NactRef, spawnNact, stopNact } from "./nact-adapter.js";
import type { Runnable } from "./run-queue.js";
import { failCell } from "./supervision.js";
import { type Armed, TimerTable } from "./timers.js";
import type { ActorContext, ActorSpec, CrashPolicy, SupervisionOptions, TellResult } from "./types.js";

/** Erased spec: the typed surface is `ActorRef<M>`; inside, messages and state are opaque. */
export type AnySpec = ActorSpec<unknown, unknown>;
/** System envelopes: init, or a timer fire (the timer's own entry, timers.ts). */
type SysEnvelope = { readonly t: "init" } | Armed<unknown>;

const DELIVERED: TellResult = Object.freeze({ delivered: true as const });
const REFUSED_STOPPED: TellResult = Object.freeze({ delivered: false as const, reason: "stopped" as const });
const REFUSED_FULL: TellResult = Object.freeze({
  delivered: false as const,
  reason: "mailbox-full" as const,
});
const INIT: SysEnvelope = Object.freeze({ t: "init" as const });

/** Default supervision of an actor's children. */
export const DEFAULT_SUPERVISION: SupervisionOptions = {
  strategy: "one-for-one",
  maxRestarts: 5,
  withinMs: 30_000,
  backoff: DEFAULT_BACKOFF,
};

/** Fill in supervision defaults. */
export function supervisionOf(p: Partial<SupervisionOptions> | undefined): SupervisionOptions {
  return { ...DEFAULT_SUPERVISION, ...p, backoff: { ...DEFAULT_BACKOFF, ...p?.backoff } };
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";
}

/** An actor cell; fields are runtime-internal. */
export class Cell implements Supervisor, Runnable {
  readonly path: string;
  readonly ref: CellRef<unknown>;
  readonly children = new Map<string, Cell>();
  private timerTable: TimerTable<unknown> | undefined;
  /** Restarts of this cell's children in the intensity window (this cell as supervisor). */
  readonly restartWindow: SlidingWindow;
  /** This cell's own recent restarts, to pick the backoff exponent. */
  backoffWindow: SlidingWindow;
  spec: AnySpec;
  kind: string;
  supervision: SupervisionOptions;
  mailbox: Mailbox<unknown>;
  status: "running" | "restarting" | "stopped" = "stopped";
  incarnation = 0;
  state: unknown = undefined;
  initialized = false;
  inFlight = false;
  failing = false;
  restarts = 0;
  restartToken = 0;
  nactRef: NactRef | undefined = undefined;
  readonly sys: SysEnvelope[] = [];
  private ctx: CellContext;
  private logger: Logger | undefined;
  private handling: { observe(v: number): void };

  constructor(
    readonly core: RuntimeCore,
    readonly parent: Supervisor,
    readonly name: string,
    spec: AnySpec,
  ) {
    this.path = `${parent.path}/${name}`;
    this.ref = new CellRef(this);
    this.spec = spec;
    this.kind = spec.kind;
    this.supervision = supervisionOf(spec.supervision);
    this.mailbox = new Mailbox({ ...DEFAULT_MAILBOX, ...spec.mailbox });
    this.restartWindow = new SlidingWindow(this.supervision.withinMs);
    this.backoffWindow = new SlidingWindow(parent.supervision.withinMs);
    this.ctx = new CellContext(this, 0);
    this.handling = core.metrics.handling.bind({ kind: this.kind });
  }

  /** Revive a stopped name with a (possibly new) spec. */
  respec(spec: AnySpec): void {
    this.spec = spec;
    this.kind = spec.kind;
    this.supervision = supervisionOf(spec.supervision);
    this.mailbox = new Mailbox({ ...DEFAULT_MAILBOX, ...spec.mailbox });
    this.handling = this.core.metrics.handling.bind({ kind: this.kind });
    this.restarts = 0;
    this.backoffWindow = new SlidingWindow(this.parent.supervision.withinMs);
  }

  get log(): Logger {
    if (this.logger === undefined)
      this.logger = actorLogger(this.core.log, { kind: this.kind, path: this.path });
    return this.logger;
  }

  get mailboxDepth(): number {
    return this.mailbox.size + this.sys.length;
  }

  get crashPolicy(): CrashPolicy {
    return this.spec.onCrash ?? "restart";
  }

  canSpawn(): boolean {
    return this.nactRef !== undefined && !this.failing && this.status !== "stopped";
  }

  nactParent(): NactRef {
    if (this.nactRef === undefined) throw new Error(`${this.path}: no live incarnation to spawn under`);
    return this.nactRef;
  }

  /** Begin a new incarnation: fresh nact actor, `init` first in line. */
  start(first: boolean): void {
    this.incarnation += 1;
    const inc = this.incarnation;
    this.failing = false;
    this.ctx = new CellContext(this, inc);
    this.restartWindow.clear();
    this.nactRef = spawnNact(this.parent.nactParent(), this.name);
    this.status = first ? "running" : "restarting";
    this.clearSys();
    this.sys.push(INIT);
    this.kick();
  }

  /** Enqueue a message (the body of `ActorRef.tell`). */
  tell(msg: unknown): TellResult {
    if (this.status === "stopped") {
      this.dropped("stopped");
      return REFUSED_STOPPED;
    }
    const r = this.mailbox.offer(msg);
    if (r.kind === "refused") {
      this.dropped("mailbox-full");
      return REFUSED_FULL;
    }
    if (r.kind === "evicted") this.dropped("mailbox-evicted");
    this.kick();
    return DELIVERED;
  }

  /** Count (and debug-log) a message that will not be handled. */
  dropped(reason: DropReason, n = 1): void {
    this.core.metrics.dropped.inc({ kind: this.kind, reason }, n);
    if (this.core.log.isLevelEnabled("debug")) this.log.debug({ reason, count: n }, "message dropped");
  }

  /** This cell's timer table (created on first use). */
  get timers(): TimerTable<unknown> {
    this.timerTable ??= new TimerTable(this.core.timerWheel, (e) => this.timerFired(e));
    return this.timerTable;
  }

  /** Queue the cell if it has work and is neither queued nor handling a message. */
  kick(): void {
    if (this.inFlight || this.nactRef === undefined) return;
    if (this.sys.length === 0 && this.mailbox.size === 0) return;
    this.inFlight = true;
    this.core.busyInc();
    this.core.runQueue.schedule(this, this.incarnation);
  }

  /** Mark the cell out of the run queue with no more work. */
  idle(): void {
    if (!this.inFlight) return;
    this.inFlight = false;
    this.core.busyDec();
  }

  /** End the current incarnation synchronously: stale tokens, timers and contexts go inert. */
  endIncarnation(final: "restarting" | "stopped"): void {
    this.incarnation += 1;
    this.idle();
    this.status = final;
    this.timerTable?.clear();
    this.clearSys();
    if (this.nactRef !== undefined) stopNact(this.nactRef);
    this.nactRef = undefined;
    if (final === "stopped") {
      const n = this.mailbox.clear();
      if (n > 0) this.dropped("stopped", n);
    }
  }

  /** Empty the system queue; timer entries in it are no longer queued. */
  private clearSys(): void {
    for (const env of this.sys) if (env !== INIT) (env as Armed<unknown>).queued = false;
    this.sys.length = 0;
  }

  /** The context of the current incarnation (also handed to `stop`). */
  context(): ActorContext<unknown> {
    return this.ctx;
  }

  /** Called by the run queue: handle one envelope of incarnation `inc` (a stale incarnation's turn is void). */
  runToken(inc: number): void {
    if (inc !== this.incarnation) return;
    const env = this.sys.shift();
    if (env !== undefined) {
      if (env === INIT) {
        this.run(inc, "init", undefined);
        return;
      }
      const fire = env as Armed<unknown>;
      fire.queued = false;
      if (this.timerTable?.takeFired(fire) !== true) {
        this.dropped("stale-timer");
        this.next();
        return;
      }
      this.run(inc, "receive", fire.msg);
      return;
    }
    if (this.mailbox.size === 0) {
      this.idle();
      return;
    }
    this.run(inc, "receive", this.mailbox.shift());
  }

  /** Run a handler; a synchronous result commits now, a promise when it settles (the cell stays busy meanwhile). */
  private run(inc: number, phase: "init" | "receive", msg: unknown): void {
    const t0 = performance.now();
    let r: unknown;
    try {
      r = phase === "init" ? this.spec.init(this.ctx) : this.spec.receive(this.state, msg, this.ctx);
    } catch (e: unknown) {
      this.crashed(inc, e, phase);
      return;
    }
    if (isPromiseLike(r)) {
      void Promise.resolve(r).then(
        (s) => this.commit(inc, s, phase, t0),
        (e: unknown) => this.crashed(inc, e, phase),
      );
      return;
    }
    this.commit(inc, r, phase, t0);
  }

  private commit(inc: number, next: unknown, phase: "init" | "receive", t0: number): void {
    if (inc !== this.incarnation) return;
    this.state = next;
    if (phase === "init") {
      this.initialized = true;
      this.status = "running";
    } else {
      this.handling.observe((performance.now() - t0) / 1000);
    }
    this.next();
  }

  /** After a handled envelope: back to the end of the run queue if more work waits, else idle. */
  private next(): void {
    if (this.sys.length > 0 || this.mailbox.size > 0) this.core.runQueue.schedule(this, this.incarnation);
    else this.idle();
  }

  private crashed(inc: number, e: unknown, phase: "init" | "receive"): void {
    if (inc !== this.incarnation) return;
    const reason = crashReason(e);
    this.core.metrics.crashes.inc({ kind: this.kind });
    this.core.metrics.recordCrash(this.kind, reason, Date.now() / 1000);
    if (phase === "receive") this.dropped("crashed");
    const policy = this.crashPolicy;
    this.log.warn({ err: e, phase, reason, policy }, "actor crashed");
    if (policy === "resume" && phase === "receive") {
      this.next();
      return;
    }
    // A failing init cannot be resumed: there is no state to resume with.
    this.core.track(() => failCell(this, e, policy === "resume" ? "restart" : policy));
    this.idle();
  }

  /**
   * A timer of this cell fired (from the wheel's macrotask). An `inline` fire
   * of an idle running actor is handled right here, as a run-queue round
   * would handle it, without queueing it first: for an actor woken only by its
   * timers (a health probe) that is one run-queue message per period fewer.
   * Otherwise the fire waits in the system queue; at most one queued fire per
   * name, holding the newest generation (`firedGen`), so the entry is its own
   * envelope and a fire allocates nothing.
   */
  private timerFired(e: Armed<unknown>): void {
    if (this.status === "stopped" || e.queued) return;
    if (
      e.inline &&
      !this.inFlight &&
      this.status === "running" &&
      this.initialized &&
      this.nactRef !== undefined &&
      this.sys.length === 0 &&
      this.mailbox.size === 0
    ) {
      if (this.timerTable?.takeFired(e) !== true) {
        this.dropped("stale-timer");
        return;
      }
      this.inFlight = true;
      this.core.busyInc();
      this.run(this.incarnation, "receive", e.msg);
      return;
    }
    e.queued = true;
    this.sys.push(e);
    this.kick();
  }
}
