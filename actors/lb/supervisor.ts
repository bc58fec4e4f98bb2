/**
 * The LB subsystem's supervisor actor (`/lb`): parent of the dataplane actor
 * (spawned first) and one `lb-frontend` actor per configured frontend;
 * router for queries and weight changes; executor of reloads.
 *
 * `rest-for-one`: if the dataplane actor crashes, every frontend actor
 * (spawned after it) is restarted too and pushes its desired VIP again, so
 * the fresh dataplane actor's table is rebuilt from its owners rather than
 * from a copy. It keeps no frontend state of its own (DESIGN.md, Actors: a
 * list is a fan-out query, maghemite PR #689).
 */
import type { FrontendSpec } from "../../protocols/lb/desired.js";
import { assertNever } from "../../protocols/common/assert-never.js";
import {
  type ActorContext,
  type ActorRef,
  type ActorSpec,
  answerSortedByName,
  ask,
} from "../runtime/index.js";
import { type DataplaneDeps, type DataplaneMsg, dataplaneActor } from "./dataplane-actor.js";
import { type FrontendDeps, type FrontendMsg, frontendActor } from "./frontend-actor.js";
import type { OverrideStore } from "./persistence.js";
import type { DataplaneStatus, FrontendSnapshot, LbPlan, SyncReport, WeightReply } from "./types.js";

/** Messages of the supervisor. */
export type LbSupervisorMsg =
  | { readonly t: "list"; readonly replyTo: ActorRef<FrontendSnapshot[]> }
  | { readonly t: "get"; readonly name: string; readonly replyTo: ActorRef<FrontendSnapshot | undefined> }
  | {
      readonly t: "set-weight";
      readonly name: string;
      readonly pool: string;
      readonly backend: string;
      readonly weight: number;
      readonly flush: boolean;
      readonly replyTo: ActorRef<WeightReply>;
    }
  | { readonly t: "sync"; readonly replyTo: ActorRef<SyncReport> }
  | { readonly t: "status"; readonly replyTo: ActorRef<DataplaneStatus> }
  /** Dataplane connection events, forwarded to the dataplane actor. */
  | { readonly t: "connection"; readonly up: boolean; readonly reason?: string }
  | { readonly t: "apply"; readonly plan: LbPlan; readonly replyTo: ActorRef<ApplyLbReport> };

/** What a reload did. */
export interface ApplyLbReport {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
}

/** What the supervisor needs. */
export interface LbSupervisorDeps {
  readonly dataplane: Omit<DataplaneDeps, "expected">;
  readonly frontend: Omit<FrontendDeps, "dataplane">;
  readonly overrides: OverrideStore;
  /** The plan the supervisor (re)builds its children from on init. */
  readonly plan: () => LbPlan;
  readonly askTimeoutMs: number;
}

interface Child {
  readonly ref: ActorRef<FrontendMsg>;
  readonly childName: string;
  spec: FrontendSpec;
}

/** The supervisor's state. */
export interface LbSupervisorState {
  readonly children: Map<string, Child>;
  dataplane: ActorRef<DataplaneMsg>;
}

const SAFE_NAME = /^[a-z0-9\-_.+!*'(),]+$/i;
const DATAPLANE = "dataplane";

function sameSpec(a: FrontendSpec, b: FrontendSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The supervisor actor spec. */
export function lbSupervisor(deps: LbSupervisorDeps): ActorSpec<LbSupervisorMsg, LbSupervisorState> {
  let seq = 0;

  function spawn(s: LbSupervisorState, spec: FrontendSpec, ctx: ActorContext<LbSupervisorMsg>): void {
    let childName =
      SAFE_NAME.test(spec.name) && spec.name !== DATAPLANE ? `frontend-${spec.name}` : `$${++seq}`;
    while (ctx.child(childName) !== undefined) childName = `$${++seq}`;
    const ref = ctx.spawn(frontendActor(spec, { ...deps.frontend, dataplane: s.dataplane }), childName);
    s.children.set(spec.name, { ref, childName, spec });
  }

  async function apply(s: LbSupervisorState, plan: LbPlan, ctx: ActorContext<LbSupervisorMsg>) {
    const next = new Map(plan.frontends.map((f) => [f.name, f]));
    const removed = [...s.children.keys()].filter((n) => !next.has(n)).sort();
    const added: string[] = [];
    const changed: string[] = [];
    for (const name of removed) {
      const c = s.children.get(name);
      if (c === undefined) continue;
      s.children.delete(name);
      await ctx.stopChild(c.childName);
      s.dataplane.tell({ t: "forget", frontend: name });
      deps.frontend.hub.forgetFrontend(name);
      for (const r of deps.overrides.list()) {
        if (r.value.frontend === name) await deps.overrides.delete(r.key).catch(() => false);
      }
    }
    const fresh = plan.frontends.filter((f) => !s.children.has(f.name)).map((f) => f.name);
    if (fresh.length > 0) s.dataplane.tell({ t: "expect", frontends: fresh });
    for (const spec of plan.frontends) {
      const c = s.children.get(spec.name);
      if (c === undefined) {
        spawn(s, spec, ctx);
        added.push(spec.name);
      } else if (!sameSpec(c.spec, spec)) {
        c.spec = spec;
        changed.push(spec.name);
        await ask<FrontendMsg, boolean>(
          c.ref,
          (replyTo) => ({ t: "configure", spec, replyTo }),
          deps.askTimeoutMs,
        ).catch((e: unknown) =>
          ctx.log.warn({ frontend: spec.name, err: String(e) }, "frontend did not confirm its new config"),
        );
      }
    }
    s.dataplane.tell({
      t: "settings",
      syncIntervalMs: plan.settings.syncIntervalMs,
      conf: plan.settings.conf,
    });
    // §2.7: a reload triggers a full reconciliation (it waits for the new frontends' first push).
    s.dataplane.tell({ t: "sync-all" });
    return { added: added.sort(), removed, changed: changed.sort() };
  }

  return {
    kind: "lb-supervisor",
    mailbox: { capacity: 4096 },
    supervision: { strategy: "rest-for-one", maxRestarts: 10, withinMs: 60_000 },
    init(ctx) {
      const plan = deps.plan();
      const dataplane = ctx.spawn(
        dataplaneActor({ ...deps.dataplane, expected: () => deps.plan().frontends.map((f) => f.name) }),
        DATAPLANE,
      );
      const s: LbSupervisorState = { children: new Map(), dataplane };
      for (const spec of plan.frontends) spawn(s, spec, ctx);
      return s;
    },
    receive(s, msg, ctx) {
      switch (msg.t) {
        case "list": {
          answerSortedByName<FrontendMsg, FrontendSnapshot>(
            [...s.children.values()].map((c) => c.ref),
            (replyTo) => ({ t: "get", replyTo }),
            deps.askTimeoutMs,
            msg.replyTo,
            (missing) => ctx.log.warn({ missing }, "some frontend actors did not answer a list"),
          );
          return s;
        }
        case "get": {
          const c = s.children.get(msg.name);
          if (c === undefined) msg.replyTo.tell(undefined);
          else c.ref.tell({ t: "get", replyTo: msg.replyTo });
          return s;
        }
        case "set-weight": {
          const c = s.children.get(msg.name);
          if (c === undefined) {
            msg.replyTo.tell({
              ok: false,
              code: "LB_E_FRONTEND_NOT_FOUND",
              message: `no frontend named ${msg.name}`,
            });
          } else {
            const { t: _t, name: _n, ...rest } = msg;
            c.ref.tell({ t: "set-weight", ...rest });
          }
          return s;
        }
        case "sync":
          s.dataplane.tell({ t: "sync-all", replyTo: msg.replyTo });
          return s;
        case "status":
          s.dataplane.tell({ t: "status", replyTo: msg.replyTo });
          return s;
        case "connection":
          s.dataplane.tell(msg);
          return s;
        case "apply":
          return apply(s, msg.plan, ctx).then((report) => {
            msg.replyTo.tell(report);
            return s;
          });
        default:
          return assertNever(msg, "lb supervisor message");
      }
    },
  };
}
