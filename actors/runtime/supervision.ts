/**
 * OTP-style supervision over cells (DESIGN.md, Actors; style guide rule 15).
 *
 * A crashed actor is torn down (children first, in reverse spawn order, then
 * its own `stop` hook with the last committed state) and then handled by its
 * crash policy. For `restart`, the parent records the restart in its
 * intensity window; past `maxRestarts` in `withinMs` the parent itself fails
 * with `RT_E_RESTART_INTENSITY` (and so on up; at the root, `onFatal`).
 * Otherwise the restart set (one-for-one: the child; rest-for-one: the child
 * and every later sibling) is restarted after an exponential, jittered
 * backoff on `clock.setTimeout` — a macrotask, so a child whose `init` always
 * throws cannot starve the event loop the way nact's microtask reset loop does.
 *
 * Supervision runs beside the mailbox, not through it: a parent with a full
 * mailbox must still learn that its child died.
 */
import { backoffDelay } from "./backoff.js";
import type { Cell } from "./cell.js";
import type { RuntimeCore, Supervisor } from "./core.js";
import { crashReason, SupervisionError } from "./errors.js";
import type { CrashPolicy } from "./types.js";

/** Tear a cell down: incarnation ended now; children, then `stop`, awaited. */
export async function teardown(cell: Cell, final: "restarting" | "stopped"): Promise<void> {
  const hadState = cell.initialized;
  const state = cell.state;
  const ctx = cell.context();
  cell.initialized = false;
  cell.state = undefined;
  cell.endIncarnation(final);
  const children = [...cell.children.values()].reverse();
  for (const child of children) {
    if (child.status !== "stopped") await teardown(child, "stopped");
  }
  const stop = cell.spec.stop;
  if (hadState && stop !== undefined) {
    try {
      await stop.call(cell.spec, state, ctx);
    } catch (e: unknown) {
      cell.log.warn({ err: e }, "actor stop hook failed");
    }
  }
}

/** Handle a failed cell according to `policy` (never "resume" here). */
export async function failCell(
  cell: Cell,
  error: unknown,
  policy: Exclude<CrashPolicy, "resume">,
): Promise<void> {
  if (cell.failing || cell.status === "stopped") return;
  cell.failing = true;
  await teardown(cell, policy === "restart" ? "restarting" : "stopped");
  switch (policy) {
    case "restart":
      return supervise(cell.core, cell.parent, cell, error);
    case "stop":
      cell.log.info({ reason: crashReason(error) }, "actor stopped after crash");
      return;
    case "escalate":
      return escalate(
        cell.core,
        cell.parent,
        new SupervisionError("RT_E_ESCALATED", "child escalated its crash", { child: cell.path }, error),
      );
    default: {
      const never: never = policy;
      throw new Error(`unknown crash policy ${String(never)}`);
    }
  }
}

function isCell(s: Supervisor): s is Cell {
  return "ref" in s;
}

/** The supervisor `sup` fails with `error`: its own parent decides, or the root gives up. */
async function escalate(core: RuntimeCore, sup: Supervisor, error: SupervisionError): Promise<void> {
  if (!isCell(sup)) {
    core.fatal(error);
    return;
  }
  core.metrics.crashes.inc({ kind: sup.kind });
  core.metrics.recordCrash(sup.kind, error.code, Date.now() / 1000);
  sup.log.error({ err: error }, "supervisor failing");
  const p = sup.crashPolicy;
  await failCell(sup, error, p === "resume" ? "restart" : p);
}

/** A child crashed with policy "restart": check intensity, tear down the restart set, schedule it. */
async function supervise(core: RuntimeCore, sup: Supervisor, child: Cell, error: unknown): Promise<void> {
  if (core.stopped || !sup.canSpawn()) {
    await teardown(child, "stopped");
    return;
  }
  const o = sup.supervision;
  const now = core.clock.now();
  if (sup.restartWindow.record(now) > o.maxRestarts) {
    await teardown(child, "stopped");
    return escalate(
      core,
      sup,
      new SupervisionError(
        "RT_E_RESTART_INTENSITY",
        "restart intensity exceeded",
        { supervisor: sup.path || "/", child: child.path, maxRestarts: o.maxRestarts, withinMs: o.withinMs },
        error,
      ),
    );
  }
  const siblings = [...sup.children.values()];
  const set =
    o.strategy === "rest-for-one"
      ? [child, ...siblings.slice(siblings.indexOf(child) + 1).filter((s) => s.status !== "stopped")]
      : [child];
  // Later siblings stop in reverse spawn order (they may depend on earlier ones).
  for (const s of set.slice(1).reverse()) await teardown(s, "restarting");
  const attempt = child.backoffWindow.count(now);
  child.backoffWindow.record(now);
  const delay = backoffDelay(attempt, o.backoff, core.random);
  const token = ++core.restartSeq;
  for (const s of set) s.restartToken = token;
  const supInc = sup.incarnation;
  child.log.info(
    { attempt, delayMs: Math.round(delay), restartSet: set.map((s) => s.path), reason: crashReason(error) },
    "actor restart scheduled",
  );
  const handle = core.clock.setTimeout(() => {
    core.pendingRestarts.delete(handle);
    if (core.stopped || !sup.canSpawn() || sup.incarnation !== supInc) return;
    for (const s of set) {
      if (s.restartToken !== token || s.status !== "restarting") continue;
      s.restarts += 1;
      core.metrics.restarts.inc({ kind: s.kind });
      s.start(false);
    }
  }, delay);
  core.pendingRestarts.add(handle);
}

/** Stop child `name` of `sup` (subtree first) and forget it, freeing the name at once. */
export async function stopAndForget(sup: Supervisor, name: string): Promise<void> {
  const cell = sup.children.get(name);
  if (cell === undefined) return;
  sup.children.delete(name);
  await teardown(cell, "stopped");
  forget(cell);
}

function forget(cell: Cell): void {
  cell.core.cells.delete(cell);
  for (const c of cell.children.values()) forget(c);
}
