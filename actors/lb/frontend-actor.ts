/**
 * One reconciler actor per frontend (VIP). A thin shell over the pure core
 * (`protocols/lb`): it owns the frontend's config, the operator's weight
 * overrides and the newest state of each of its backends; on every change it
 * evaluates §4.1–§4.3 (active pool, effective weights, frontend state),
 * records frontend transitions with the monotonic instant they happened, and
 * pushes its desired VIP (§5.2) to the dataplane actor, the single writer.
 *
 * Backend states arrive from the fanout with latest-value semantics. A push
 * the dataplane actor refuses (full mailbox) is retried on a timer, so the
 * dataplane always converges on this actor's newest value. Pushes identical
 * to the previous one are skipped: the dataplane actor keeps the value and
 * the periodic full sync repairs drift on its own.
 *
 * Weight overrides are persisted before they take effect; if the write fails
 * nothing changes and the operator is told (`LB_E_PERSIST`).
 */
import type { Millis } from "../../protocols/common/time.js";
import { assertNever } from "../../protocols/common/assert-never.js";
import {
  desiredVip,
  type FrontendEvaluation,
  type FrontendSpec,
  evaluateFrontend,
  type StateOf,
} from "../../protocols/lb/desired.js";
import type { FrontendState } from "../../protocols/lb/frontend-state.js";
import type { IpAddr } from "../../protocols/lb/ip.js";
import type { BackendState, DesiredVip } from "../../protocols/lb/types.js";
import { allBackendsKnown } from "../../protocols/lb/warmup.js";
import type { ActorContext, ActorRef, ActorSpec } from "../runtime/index.js";
import type { BackendFanout, Watch } from "./backend-fanout.js";
import type { DataplaneMsg } from "./dataplane-actor.js";
import type { LbEventHub } from "./event-hub.js";
import { type OverrideStore, overrideKey, type WeightOverride } from "./persistence.js";
import { frontendSnapshot } from "./snapshot.js";
import type { BackendStateChange, FrontendSnapshot, WeightReply } from "./types.js";

/** Messages of a frontend actor. */
export type FrontendMsg =
  | { readonly t: "backends"; readonly changes: readonly BackendStateChange[] }
  /** Reload: the frontend's config (or a backend address it uses) changed. */
  | { readonly t: "configure"; readonly spec: FrontendSpec; readonly replyTo?: ActorRef<boolean> }
  | {
      readonly t: "set-weight";
      readonly pool: string;
      readonly backend: string;
      readonly weight: number;
      readonly flush: boolean;
      readonly replyTo: ActorRef<WeightReply>;
    }
  | { readonly t: "get"; readonly replyTo: ActorRef<FrontendSnapshot> }
  /** Retry a push the dataplane actor refused. */
  | { readonly t: "push" };

/** What every frontend actor shares. */
export interface FrontendDeps {
  readonly dataplane: ActorRef<DataplaneMsg>;
  readonly fanout: BackendFanout;
  readonly hub: LbEventHub;
  readonly overrides: OverrideStore;
}

/** The actor's state (mutable; owned by this actor alone). */
export interface FrontendActorState {
  spec: FrontendSpec;
  /** `overrideKey` → override. */
  readonly overrides: Map<string, WeightOverride>;
  readonly states: Map<string, BackendState>;
  evaluation: FrontendEvaluation;
  state: FrontendState;
  since: Millis;
  /** Fingerprint of the last push the dataplane actor accepted. */
  pushed: string | undefined;
  /** An operator flush not yet delivered. */
  pendingForce: IpAddr | undefined;
  watch: Watch | undefined;
}

/** Retry delay for a refused push. */
const PUSH_RETRY_MS = 20;

function backendNames(spec: FrontendSpec): string[] {
  return [...new Set(spec.pools.flatMap((p) => p.members.map((m) => m.backend)))];
}

/** The spec with operator overrides applied to pool weights. */
export function withOverrides(
  spec: FrontendSpec,
  overrides: ReadonlyMap<string, WeightOverride>,
): FrontendSpec {
  if (overrides.size === 0) return spec;
  return {
    ...spec,
    pools: spec.pools.map((p) => ({
      ...p,
      members: p.members.map((m) => {
        const o = overrides.get(overrideKey(spec.name, p.name, m.backend));
        return o === undefined ? m : { ...m, weight: o.weight };
      }),
    })),
  };
}

function fingerprint(vip: DesiredVip, allKnown: boolean): string {
  return JSON.stringify([vip.key, vip.encap, vip.srcIpSticky, allKnown, [...vip.ases.values()]]);
}

/** Overrides still valid for `spec`: the member exists and the config weight is the one overridden. */
function validOverrides(
  spec: FrontendSpec,
  all: Iterable<WeightOverride>,
): {
  keep: Map<string, WeightOverride>;
  drop: string[];
} {
  const keep = new Map<string, WeightOverride>();
  const drop: string[] = [];
  for (const o of all) {
    if (o.frontend !== spec.name) continue;
    const key = overrideKey(o.frontend, o.pool, o.backend);
    const member = spec.pools.find((p) => p.name === o.pool)?.members.find((m) => m.backend === o.backend);
    if (member !== undefined && member.weight === o.configuredWeight) keep.set(key, o);
    else drop.push(key);
  }
  return { keep, drop };
}

/** The frontend actor spec. */
export function frontendActor(
  initial: FrontendSpec,
  deps: FrontendDeps,
): ActorSpec<FrontendMsg, FrontendActorState> {
  const stateOf =
    (s: FrontendActorState): StateOf =>
    (b) =>
      s.states.get(b) ?? "unknown";

  function dropOverrides(keys: readonly string[], ctx: ActorContext<FrontendMsg>): void {
    for (const key of keys) {
      deps.overrides.delete(key).catch((e: unknown) => {
        ctx.log.warn(
          { key, err: e instanceof Error ? e.message : String(e) },
          "could not delete a stale weight override",
        );
      });
    }
  }

  /** Re-evaluate, record a transition, push the desired VIP. */
  function refresh(s: FrontendActorState, ctx: ActorContext<FrontendMsg>): void {
    const spec = withOverrides(s.spec, s.overrides);
    s.evaluation = evaluateFrontend(spec, stateOf(s));
    const next = s.evaluation.state;
    if (next !== s.state) {
      ctx.log.info({ frontend: s.spec.name, from: s.state, to: next }, "frontend transition");
      deps.hub.frontend(s.spec.name, s.state, next);
      s.state = next;
      s.since = ctx.clock.now();
    }
    const r = desiredVip(spec, stateOf(s));
    if (!r.ok) {
      // Config validation refuses mixed families; reaching this is a config bug, not a crash.
      ctx.log.error({ frontend: s.spec.name, code: r.error.code }, "frontend has no valid desired VIP");
      return;
    }
    const allKnown = allBackendsKnown(s.evaluation.members.map((m) => m.state));
    const fp = fingerprint(r.value, allKnown);
    const force = s.pendingForce;
    if (fp === s.pushed && force === undefined) return;
    const told = deps.dataplane.tell({
      t: "desired",
      frontend: s.spec.name,
      vip: r.value,
      allKnown,
      ...(force === undefined ? {} : { forceFlush: force }),
    });
    if (told.delivered) {
      s.pushed = fp;
      s.pendingForce = undefined;
    } else {
      s.pushed = undefined;
      ctx.timers.arm("push", PUSH_RETRY_MS, { t: "push" });
    }
  }

  async function setWeight(
    s: FrontendActorState,
    msg: Extract<FrontendMsg, { t: "set-weight" }>,
    ctx: ActorContext<FrontendMsg>,
  ): Promise<WeightReply> {
    const name = s.spec.name;
    const pool = s.spec.pools.find((p) => p.name === msg.pool);
    const member = pool?.members.find((m) => m.backend === msg.backend);
    if (pool === undefined || member === undefined) {
      return {
        ok: false,
        code: "LB_E_MEMBER_NOT_FOUND",
        message: `frontend ${name} has no backend ${msg.backend} in pool ${msg.pool}`,
      };
    }
    if (!Number.isInteger(msg.weight) || msg.weight < 0 || msg.weight > 100)
      return { ok: false, code: "LB_E_BAD_WEIGHT", message: `weight ${msg.weight} is not an integer 0..100` };
    const key = overrideKey(name, pool.name, member.backend);
    try {
      // Setting the config's own weight clears the override: the file is the source again.
      if (msg.weight === member.weight) await deps.overrides.delete(key);
      else
        await deps.overrides.put(key, {
          frontend: name,
          pool: pool.name,
          backend: member.backend,
          weight: msg.weight,
          configuredWeight: member.weight,
        });
    } catch (e: unknown) {
      return {
        ok: false,
        code: "LB_E_PERSIST",
        message: `override not saved: ${e instanceof Error ? e.message : String(e)}`,
      };
    }
    if (msg.weight === member.weight) s.overrides.delete(key);
    else
      s.overrides.set(key, {
        frontend: name,
        pool: pool.name,
        backend: member.backend,
        weight: msg.weight,
        configuredWeight: member.weight,
      });
    ctx.log.info(
      { frontend: name, pool: pool.name, backend: member.backend, weight: msg.weight, flush: msg.flush },
      "weight set by operator",
    );
    if (msg.flush) s.pendingForce = member.address;
    refresh(s, ctx);
    return { ok: true, snapshot: frontendSnapshot(s, ctx.clock.now()) };
  }

  return {
    kind: "lb-frontend",
    // Backend batches are coalesced by the fanout and pushes retried, so a small mailbox is enough.
    mailbox: { capacity: 256, overflow: "drop-newest" },
    init(ctx) {
      const { keep, drop } = validOverrides(
        initial,
        deps.overrides.list().map((r) => r.value),
      );
      dropOverrides(drop, ctx);
      const s: FrontendActorState = {
        spec: initial,
        overrides: keep,
        states: new Map(),
        evaluation: evaluateFrontend(initial, () => "unknown"),
        state: "unknown",
        since: ctx.clock.now(),
        pushed: undefined,
        pendingForce: undefined,
        watch: undefined,
      };
      s.evaluation = evaluateFrontend(withOverrides(initial, keep), stateOf(s));
      s.state = s.evaluation.state;
      deps.hub.frontend(initial.name, undefined, s.state);
      const self = ctx.self;
      s.watch = deps.fanout.watch(
        backendNames(initial),
        (changes) => self.tell({ t: "backends", changes }).delivered,
      );
      // Push at once only when no backend state is on its way: otherwise the fanout's replay
      // arrives on the next macrotask, and pushing before it would program an all-unknown VIP.
      const latest = deps.fanout.latest();
      if (!backendNames(initial).some((b) => latest.has(b))) refresh(s, ctx);
      return s;
    },
    async receive(s, msg, ctx) {
      switch (msg.t) {
        case "backends":
          for (const c of msg.changes) s.states.set(c.name, c.state);
          refresh(s, ctx);
          return s;
        case "configure": {
          s.spec = msg.spec;
          const { keep, drop } = validOverrides(msg.spec, s.overrides.values());
          s.overrides.clear();
          for (const [k, v] of keep) s.overrides.set(k, v);
          dropOverrides(drop, ctx);
          const names = backendNames(msg.spec);
          for (const b of [...s.states.keys()]) if (!names.includes(b)) s.states.delete(b);
          s.watch?.update(names);
          refresh(s, ctx);
          msg.replyTo?.tell(true);
          return s;
        }
        case "set-weight":
          msg.replyTo.tell(await setWeight(s, msg, ctx));
          return s;
        case "get":
          msg.replyTo.tell(frontendSnapshot(s, ctx.clock.now()));
          return s;
        case "push":
          s.pushed = undefined;
          refresh(s, ctx);
          return s;
        default:
          return assertNever(msg, "lb frontend message");
      }
    },
    stop(s) {
      s.watch?.close();
    },
  };
}
