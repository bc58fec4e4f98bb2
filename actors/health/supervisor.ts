/**
 * The health subsystem's supervisor actor (`/health`): parent of one
 * `health-backend` actor per configured backend, router for queries and
 * operator actions, executor of reload plans, and host of the probe
 * watchdog timer.
 *
 * It keeps no copy of backend state (DESIGN.md, Actors: maghemite PR #689):
 * a list request is a fan-out `ask` to every child, answered when all have
 * replied, without blocking this actor's mailbox meanwhile. It only maps
 * backend names to child refs.
 */
import { InvariantError } from "../../protocols/common/domain-error.js";
import type { Logger } from "pino";
import {
  type ActorContext,
  type ActorRef,
  type ActorSpec,
  answerSortedByName,
  ask,
} from "../runtime/index.js";
import { type BackendDeps, type BackendMsg, backendActor } from "./backend-actor.js";
import type { AdminAction, BackendSnapshot, BackendSpec, OperatorReply, ReloadPlan } from "./types.js";

/** Messages of the supervisor. */
export type SupervisorMsg =
  | { readonly t: "list"; readonly replyTo: ActorRef<BackendSnapshot[]> }
  | { readonly t: "get"; readonly name: string; readonly replyTo: ActorRef<BackendSnapshot | undefined> }
  | {
      readonly t: "operator";
      readonly name: string;
      readonly action: AdminAction;
      readonly replyTo: ActorRef<OperatorReply>;
    }
  | { readonly t: "apply"; readonly plan: ReloadPlan; readonly replyTo: ActorRef<ApplyReport> }
  | { readonly t: "watchdog" };

/** Outcome of a reload plan: backends whose step failed, with why. */
export interface ApplyReport {
  readonly failed: readonly { readonly name: string; readonly message: string }[];
}

/** What the supervisor needs. */
export interface SupervisorDeps {
  readonly backend: BackendDeps;
  /** The backends the supervisor (re)builds its children from on init. */
  readonly desired: () => readonly BackendSpec[];
  /** Deadline of each child `ask`. */
  readonly askTimeoutMs: number;
  readonly watchdogIntervalMs: number;
  readonly log: Logger;
}

interface Child {
  readonly ref: ActorRef<BackendMsg>;
  readonly childName: string;
}

/** The supervisor's state: backend name → child. */
export interface SupervisorState {
  readonly children: Map<string, Child>;
}

// The runtime's actor-name alphabet; other backend names get a generated child name.
const SAFE_NAME = /^[a-z0-9\-_.+!*'(),]+$/i;

/** The supervisor actor spec. */
export function healthSupervisor(deps: SupervisorDeps): ActorSpec<SupervisorMsg, SupervisorState> {
  let seq = 0;

  function spawn(s: SupervisorState, spec: BackendSpec, ctx: ActorContext<SupervisorMsg>): void {
    let childName = SAFE_NAME.test(spec.name) ? spec.name : `$${++seq}`;
    while (ctx.child(childName) !== undefined) childName = `$${++seq}`;
    const ref = ctx.spawn(backendActor(spec, deps.backend), childName);
    s.children.set(spec.name, { ref, childName });
  }

  async function removeChild(s: SupervisorState, name: string, ctx: ActorContext<SupervisorMsg>) {
    const c = s.children.get(name);
    if (c === undefined) return;
    s.children.delete(name);
    await ctx.stopChild(c.childName);
    deps.backend.watch.clear(name);
    deps.backend.metrics.counter.remove({ backend: name });
  }

  const askChild = <R>(ref: ActorRef<BackendMsg>, make: (r: ActorRef<R>) => BackendMsg) =>
    ask<BackendMsg, R>(ref, make, deps.askTimeoutMs);

  async function apply(s: SupervisorState, plan: ReloadPlan, ctx: ActorContext<SupervisorMsg>) {
    const failed: { name: string; message: string }[] = [];
    const note = (name: string, e: unknown) =>
      failed.push({ name, message: e instanceof Error ? e.message : String(e) });
    for (const name of plan.stop) {
      const c = s.children.get(name);
      if (c === undefined) continue;
      // `remove` publishes the `removed` state (§2.7) and drops the admin record, then the actor stops.
      await askChild<OperatorReply>(c.ref, (replyTo) => ({ t: "operator", action: "remove", replyTo })).catch(
        (e: unknown) => note(name, e),
      );
      await removeChild(s, name, ctx);
    }
    for (const spec of plan.restart) {
      await removeChild(s, spec.name, ctx);
      // §2.7: with a changed check the YAML `enabled` is authoritative; forget the operator's override.
      await deps.backend.admin.delete(spec.name).catch((e: unknown) => note(spec.name, e));
      spawn(s, spec, ctx);
    }
    for (const spec of plan.start) {
      if (s.children.has(spec.name)) await removeChild(s, spec.name, ctx);
      spawn(s, spec, ctx);
    }
    for (const u of plan.update) {
      const c = s.children.get(u.spec.name);
      if (c === undefined) {
        spawn(s, u.spec, ctx);
        continue;
      }
      const r = await askChild<OperatorReply>(c.ref, (replyTo) => ({
        t: "update",
        spec: u.spec,
        enabledChanged: u.enabledChanged,
        replyTo,
      })).catch((e: unknown) => ({ ok: false as const, code: "HC_E_PERSIST" as const, message: String(e) }));
      if (!r.ok) failed.push({ name: u.spec.name, message: r.message });
    }
    return { failed };
  }

  function watchdog(ctx: ActorContext<SupervisorMsg>): void {
    const scan = deps.backend.watch.scan(ctx.clock.now());
    deps.backend.metrics.overdue.set({}, scan.overdue.length);
    for (const name of scan.newlyOverdue) {
      const late = scan.overdue.find((o) => o.name === name)?.lateMs ?? 0;
      deps.backend.metrics.overdueEpisodes.inc({ backend: name });
      deps.log.warn(
        { backend: name, lateMs: Math.round(late) },
        "health probe overdue: the backend's checker has stalled",
      );
    }
    for (const name of scan.recovered) deps.log.info({ backend: name }, "health probe no longer overdue");
    ctx.timers.arm("watchdog", deps.watchdogIntervalMs, { t: "watchdog" });
  }

  return {
    kind: "health-supervisor",
    mailbox: { capacity: 4096 },
    // A backend actor that keeps crashing is restarted a few times, then the
    // supervisor fails and is itself restarted by the root (rebuilding every child).
    supervision: { strategy: "one-for-one", maxRestarts: 10, withinMs: 60_000 },
    init(ctx) {
      const s: SupervisorState = { children: new Map() };
      for (const spec of deps.desired()) spawn(s, spec, ctx);
      ctx.timers.arm("watchdog", deps.watchdogIntervalMs, { t: "watchdog" });
      return s;
    },
    receive(s, msg, ctx) {
      switch (msg.t) {
        case "list": {
          answerSortedByName<BackendMsg, BackendSnapshot>(
            [...s.children.values()].map((c) => c.ref),
            (replyTo) => ({ t: "get", replyTo }),
            deps.askTimeoutMs,
            msg.replyTo,
            (missing) => ctx.log.warn({ missing }, "some backend actors did not answer a list"),
          );
          return s;
        }
        case "get": {
          const c = s.children.get(msg.name);
          if (c === undefined) msg.replyTo.tell(undefined);
          else c.ref.tell({ t: "get", replyTo: msg.replyTo });
          return s;
        }
        case "operator": {
          const c = s.children.get(msg.name);
          if (c === undefined) {
            msg.replyTo.tell({
              ok: false,
              code: "HC_E_BACKEND_NOT_FOUND",
              message: `no backend named ${msg.name}`,
            });
          } else {
            c.ref.tell({ t: "operator", action: msg.action, replyTo: msg.replyTo });
          }
          return s;
        }
        case "apply":
          return apply(s, msg.plan, ctx).then((report) => {
            msg.replyTo.tell(report);
            return s;
          });
        case "watchdog":
          watchdog(ctx);
          return s;
        default: {
          const never: never = msg;
          throw new InvariantError(`unknown health supervisor message ${JSON.stringify(never)}`);
        }
      }
    },
  };
}
