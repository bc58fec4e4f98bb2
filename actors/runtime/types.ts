/**
 * The public vocabulary of the actor runtime: refs, specs, contexts,
 * supervision options and the plain-data supervision tree. Everything here is
 * a type; behaviour lives in `cell.ts`, `supervision.ts` and `system.ts`.
 */
import type { BackoffOptions } from "./backoff.js";
import type { Clock } from "./clock.js";
import type { Logger } from "./logger.js";
import type { MailboxOptions } from "./mailbox.js";

/** Why `tell` did not enqueue: the target is stopped, or its `drop-newest` mailbox is full. */
export type UndeliveredReason = "stopped" | "mailbox-full";

/**
 * Result of `tell`. `delivered` means accepted into the mailbox (a restarting
 * actor still accepts); it says nothing about processing. A refusal is also
 * counted in `magnetite_actor_dropped_messages_total` and logged at debug,
 * so a caller that ignores the result still leaves a trace.
 */
export type TellResult =
  | { readonly delivered: true }
  | { readonly delivered: false; readonly reason: UndeliveredReason };

/** A typed address. Refs stay valid across restarts: identity is the path. */
export interface ActorRef<M> {
  /** Supervision path, e.g. "/bfd/session-10.0.0.1". */
  readonly path: string;
  /** The actor's kind (metrics label). */
  readonly kind: string;
  /** Enqueue `msg`; never throws. */
  tell(msg: M): TellResult;
}

/**
 * What happens when `init` or `receive` throws (or rejects).
 * - `restart`: tear the actor down and ask the parent to restart it (backoff, intensity).
 * - `resume`: drop the failing message and keep the state (a failing `init` restarts instead).
 * - `stop`: tear the actor down and leave it stopped.
 * - `escalate`: tear it down and fail the parent (at the root: `onFatal`).
 */
export type CrashPolicy = "restart" | "resume" | "stop" | "escalate";

/**
 * Which children a supervisor restarts when one crashes (OTP semantics).
 * - `one-for-one`: only the crashed child.
 * - `rest-for-one`: the crashed child and every sibling spawned after it
 *   (stopped in reverse order, restarted in spawn order).
 */
export type RestartStrategy = "one-for-one" | "rest-for-one";

/** How an actor supervises its children. */
export interface SupervisionOptions {
  readonly strategy: RestartStrategy;
  /** At most this many child restarts … */
  readonly maxRestarts: number;
  /** … within this sliding window, else the supervisor fails with `RT_E_RESTART_INTENSITY`. */
  readonly withinMs: number;
  readonly backoff: BackoffOptions;
}

/** Per-timer options of `Timers.arm`. */
export interface TimerOptions {
  /** Maximum lateness accepted to share a wake-up (ms, ≥ 0). */
  readonly slackMs?: number;
  /**
   * Let an idle actor (nothing queued, no message in progress) handle the fire
   * inside the timer's own macrotask instead of queueing it for the next
   * run-queue round: one queue round trip fewer per fire. The fire is then
   * handled before I/O that became ready in the same loop turn has been read,
   * so leave it off for timers that judge what may have arrived meanwhile
   * (a BFD detection expiry); for timers that only start work (a health
   * probe) it changes nothing but the cost. Default false.
   */
  readonly inline?: boolean;
}

/** Generation-tagged timers whose fires are messages to self. */
export interface Timers<M> {
  /**
   * (Re-)arm `name` to deliver `msg` after `delayMs`; re-arming supersedes any
   * earlier fire, even one already queued. `options.slackMs`: how late the fire
   * may be so it can share an event-loop wake-up with other timers (default:
   * the system's `timerSlackMs`); for timers whose exact instant does not
   * matter, such as jittered periodic work.
   */
  arm(name: string, delayMs: number, msg: M, options?: TimerOptions): void;
  /** Cancel `name`; a fire already queued is dropped as stale. */
  cancel(name: string): void;
  /** True while `name` is armed (or fired but not yet handled). */
  isArmed(name: string): boolean;
}

/** Given to `init`, `receive` and `stop`. Inert once its incarnation has ended. */
export interface ActorContext<M> {
  readonly self: ActorRef<M>;
  readonly path: string;
  readonly kind: string;
  /** Child logger with `component`, `kind`, `path` bindings. */
  readonly log: Logger;
  readonly clock: Clock;
  readonly timers: Timers<M>;
  /** Spawn a supervised child (name unique among running siblings). Re-spawning a stopped name reuses its ref. */
  spawn<CM, CS>(spec: ActorSpec<CM, CS>, name: string): ActorRef<CM>;
  /** Stop a child (its children first) and forget it; resolves when its `stop` hooks have run. */
  stopChild(name: string): Promise<void>;
  /** A running or restarting child's ref by name. */
  child(name: string): ActorRef<unknown> | undefined;
}

/** A stateful actor: `receive` returns the next state; messages are handled one at a time. */
export interface ActorSpec<M, S> {
  /** A closed, code-defined name ("bfd-session"); used as a metrics label. */
  readonly kind: string;
  init(ctx: ActorContext<M>): S | Promise<S>;
  receive(state: S, msg: M, ctx: ActorContext<M>): S | Promise<S>;
  /** Called with the last committed state when the actor stops or is torn down for a restart. */
  stop?(state: S, ctx: ActorContext<M>): void | Promise<void>;
  readonly mailbox?: Partial<MailboxOptions>;
  /** Defaults to "restart". */
  readonly onCrash?: CrashPolicy;
  /** How this actor supervises its own children. */
  readonly supervision?: Partial<SupervisionOptions>;
}

/** A stateless actor: no state to thread, same supervision as a stateful one. */
export interface StatelessSpec<M> {
  readonly kind: string;
  start?(ctx: ActorContext<M>): void | Promise<void>;
  receive(msg: M, ctx: ActorContext<M>): void | Promise<void>;
  stop?(ctx: ActorContext<M>): void | Promise<void>;
  readonly mailbox?: Partial<MailboxOptions>;
  readonly onCrash?: CrashPolicy;
  readonly supervision?: Partial<SupervisionOptions>;
}

/** One node of `ActorSystem.tree()` (served at `GET /actors`). */
export interface ActorTreeNode {
  readonly path: string;
  readonly kind: string;
  readonly status: "running" | "restarting" | "stopped";
  /** Restarts of this actor since it was (re-)spawned by name. */
  readonly restarts: number;
  readonly mailboxDepth: number;
  readonly children?: readonly ActorTreeNode[];
}
