/**
 * The handles an actor's code sees: `CellRef` (its typed address) and the
 * per-incarnation `CellContext`, plus `spawnChild`, which both contexts and
 * the system root use. A context is inert once its incarnation has ended, so
 * an abandoned async `receive` cannot arm timers or spawn into a restarted
 * actor.
 */
import type { Clock } from "./clock.js";
import type { RuntimeCore, Supervisor } from "./core.js";
import { type AnySpec, Cell } from "./cell.js";
import { RuntimeError } from "./errors.js";
import type { Logger } from "./logger.js";
import { stopAndForget } from "./supervision.js";
import type { ActorContext, ActorRef, ActorSpec, TellResult, TimerOptions, Timers } from "./types.js";

/** nact's actor-name alphabet (RFC 1738 "safe"/"extra" characters); no "/" so paths stay unambiguous. */
const NAME_RE = /^[a-z0-9\-$_.+!*'(),]+$/i;

/** The typed handle given out for a cell. */
export class CellRef<M> implements ActorRef<M> {
  constructor(readonly cell: Cell) {}
  get path(): string {
    return this.cell.path;
  }
  get kind(): string {
    return this.cell.kind;
  }
  tell(msg: M): TellResult {
    return this.cell.tell(msg);
  }
}

/** `ctx.timers`: forwards to the cell's table while the incarnation lives. */
class ContextTimers implements Timers<unknown> {
  constructor(
    private readonly cell: Cell,
    private readonly inc: number,
  ) {}
  arm(name: string, delayMs: number, msg: unknown, options?: TimerOptions): void {
    if (this.cell.incarnation === this.inc)
      this.cell.timers.arm(name, delayMs, msg, options?.slackMs, options?.inline === true);
  }
  cancel(name: string): void {
    if (this.cell.incarnation === this.inc) this.cell.timers.cancel(name);
  }
  isArmed(name: string): boolean {
    return this.cell.incarnation === this.inc && this.cell.timers.isArmed(name);
  }
}

/** One incarnation's context; inert once the incarnation ended. */
export class CellContext implements ActorContext<unknown> {
  private timerView: Timers<unknown> | undefined;
  constructor(
    private readonly cell: Cell,
    private readonly inc: number,
  ) {}
  get timers(): Timers<unknown> {
    this.timerView ??= new ContextTimers(this.cell, this.inc);
    return this.timerView;
  }
  get self(): ActorRef<unknown> {
    return this.cell.ref;
  }
  get path(): string {
    return this.cell.path;
  }
  get kind(): string {
    return this.cell.kind;
  }
  get log(): Logger {
    return this.cell.log;
  }
  get clock(): Clock {
    return this.cell.core.clock;
  }
  spawn<CM, CS>(spec: ActorSpec<CM, CS>, name: string): ActorRef<CM> {
    if (this.cell.incarnation !== this.inc) {
      throw new RuntimeError("RT_E_STALE_CONTEXT", "spawn from an ended incarnation", {
        path: this.cell.path,
      });
    }
    return spawnChild(this.cell.core, this.cell, spec, name);
  }
  stopChild(name: string): Promise<void> {
    return stopAndForget(this.cell, name);
  }
  child(name: string): ActorRef<unknown> | undefined {
    const c = this.cell.children.get(name);
    return c === undefined || c.status === "stopped" ? undefined : c.ref;
  }
}

/** Spawn (or revive by name) a supervised child under `parent`. */
export function spawnChild<M, S>(
  core: RuntimeCore,
  parent: Supervisor,
  spec: ActorSpec<M, S>,
  name: string,
): ActorRef<M> {
  if (core.stopped) throw new RuntimeError("RT_E_SYSTEM_STOPPED", "actor system is stopped", { name });
  if (!NAME_RE.test(name)) throw new RuntimeError("RT_E_BAD_NAME", "invalid actor name", { name });
  const erased = spec as unknown as AnySpec;
  let cell = parent.children.get(name);
  if (cell !== undefined && cell.status !== "stopped") {
    throw new RuntimeError("RT_E_DUPLICATE_NAME", "a running sibling has this name", { path: cell.path });
  }
  if (cell === undefined) {
    cell = new Cell(core, parent, name, erased);
    parent.children.set(name, cell);
    core.cells.add(cell);
  } else {
    cell.respec(erased);
  }
  cell.start(true);
  return cell.ref as ActorRef<unknown> as ActorRef<M>;
}
