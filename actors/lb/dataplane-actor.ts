/**
 * The single writer of the LB dataplane (style guide rule 18: the desired
 * dataplane table is owned by exactly one actor). Frontend actors push their
 * newest desired VIP here; this actor gates every write through the startup
 * warmup (maglev-vpp §4.5), turns pushes into per-VIP syncs (§5.3) and runs
 * the full drift sync (§5.4) periodically, on reload, on demand and after
 * every dataplane reconnect (§5.5).
 *
 * Decisions where the spec is open:
 * - Per-VIP syncs diff against a cached copy of the dataplane table instead
 *   of re-reading it: VPP's AS dump cannot be filtered (bug §10.12), so one
 *   VIP's read would cost as much as a full read. The cache is refreshed by
 *   every full sync, updated with the pure model of each applied op
 *   (`protocols/lb/apply.ts`), and dropped on any failure or disconnect.
 *   Drift made behind our back is therefore repaired at the next full sync.
 * - Ownership: the full sync removes VIPs this daemon created or adopted
 *   (persisted in `lb-owned-vips`) that are no longer configured, and never
 *   touches VIPs it does not own.
 * - No full sync runs before every expected frontend has pushed its first
 *   desired VIP, so a restart never deletes a VIP only because its frontend
 *   actor had not spoken yet.
 * - Failures are counted (`magnetite_lb_errors_total{code}`), logged, and
 *   retried with exponential backoff; the retry re-reads the dataplane.
 */
import { assertNever } from "../../protocols/common/assert-never.js";
import { DomainError } from "../../protocols/common/domain-error.js";
import type { Millis } from "../../protocols/common/time.js";
import { apply as model } from "../../protocols/lb/apply.js";
import { diff, diffVip } from "../../protocols/lb/diff.js";
import type { LbErrorCode } from "../../protocols/lb/errors.js";
import type { IpAddr } from "../../protocols/lb/ip.js";
import type { LbOp, LbOpKind } from "../../protocols/lb/ops.js";
import { type DesiredVip, type LbState, vipKeyId } from "../../protocols/lb/types.js";
import {
  type WarmupAction,
  type WarmupConfig,
  type WarmupEvent,
  type WarmupState,
  warmupPhase,
  warmupStart,
  warmupStep,
} from "../../protocols/lb/warmup.js";
import type { StoreOp } from "../../dataplane/store/index.js";
import type { LbDataplane } from "../../dataplane/lb-dataplane.js";
import type { ActorContext, ActorRef, ActorSpec } from "../runtime/index.js";
import { pushConf } from "./conf.js";
import type { LbCountedError, LbMetrics, SyncScope } from "./metrics.js";
import type { OwnedVip, OwnedVipStore } from "./persistence.js";
import type { DataplaneStatus, LbConfSettings, SyncReport } from "./types.js";

/** Messages of the dataplane actor. */
export type DataplaneMsg =
  /** A frontend's newest desired VIP (latest value), optionally with an operator flush (§5.3). */
  | {
      readonly t: "desired";
      readonly frontend: string;
      readonly vip: DesiredVip;
      readonly allKnown: boolean;
      readonly forceFlush?: IpAddr;
    }
  /** The frontend left the config; its VIP goes at the next full sync. */
  | { readonly t: "forget"; readonly frontend: string }
  /** These frontends will push soon; hold full syncs until they have (a reload added them). */
  | { readonly t: "expect"; readonly frontends: readonly string[] }
  | { readonly t: "drain" }
  | { readonly t: "warmup-tick" }
  | { readonly t: "periodic" }
  | { readonly t: "retry" }
  | { readonly t: "sync-all"; readonly replyTo?: ActorRef<SyncReport> }
  | { readonly t: "connection"; readonly up: boolean; readonly reason?: string }
  | { readonly t: "settings"; readonly syncIntervalMs: number; readonly conf: LbConfSettings }
  | { readonly t: "status"; readonly replyTo: ActorRef<DataplaneStatus> };

/** What the dataplane actor needs. */
export interface DataplaneDeps {
  readonly dataplane: LbDataplane;
  readonly metrics: LbMetrics;
  readonly owned: OwnedVipStore;
  /** Process start on the actor clock: the warmup is measured from it, not from an actor restart. */
  readonly startedAt: Millis;
  readonly warmup: WarmupConfig;
  /** The frontends configured now (the ones a full sync waits for). */
  readonly expected: () => readonly string[];
  readonly settings: () => { readonly syncIntervalMs: number; readonly conf: LbConfSettings };
  /** Retry backoff after a failed sync: first delay, cap. */
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
}

interface Entry {
  readonly vip: DesiredVip;
  readonly allKnown: boolean;
}

/** The actor's state (mutable; owned by this actor alone). */
export interface DataplaneState {
  readonly desired: Map<string, Entry>;
  /** Frontends whose VIP needs a sync, with operator flushes still owed. */
  readonly dirty: Map<string, IpAddr[]>;
  readonly awaiting: Set<string>;
  readonly owned: Map<string, string>;
  drainQueued: boolean;
  deferredFull: boolean;
  cache: LbState | undefined;
  warmup: WarmupState;
  retryMs: number;
  syncIntervalMs: number;
  conf: LbConfSettings;
  lastFull: SyncReport | undefined;
  lastFullAt: Millis | undefined;
}

function codeOf(e: unknown): LbCountedError {
  if (e instanceof DomainError && typeof e.code === "string" && e.code.startsWith("LB_E_"))
    return e.code as LbErrorCode;
  return "LB_E_DATAPLANE_ERROR";
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function countKinds(ops: readonly LbOp[]): Partial<Record<LbOpKind, number>> {
  const out: Partial<Record<LbOpKind, number>> = {};
  for (const op of ops) out[op.kind] = (out[op.kind] ?? 0) + 1;
  return out;
}

/** The dataplane actor spec. */
export function dataplaneActor(deps: DataplaneDeps): ActorSpec<DataplaneMsg, DataplaneState> {
  const dp = deps.dataplane;
  const m = deps.metrics;

  const suppressed = (scope: SyncScope, why: NonNullable<SyncReport["suppressed"]>): SyncReport => {
    m.syncs.inc({ scope, result: "suppressed" });
    return { scope, ran: false, suppressed: why, ops: 0, byKind: {}, durationMs: 0 };
  };

  function desiredMap(s: DataplaneState): Map<string, DesiredVip> {
    const out = new Map<string, DesiredVip>();
    for (const { vip } of s.desired.values()) {
      const id = vipKeyId(vip.key);
      // Config validation refuses two frontends on one VIP key; keep the first if one slips through.
      if (!out.has(id)) out.set(id, vip);
    }
    return out;
  }

  function scheduleRetry(s: DataplaneState, ctx: ActorContext<DataplaneMsg>): void {
    if (ctx.timers.isArmed("retry")) return;
    ctx.timers.arm("retry", s.retryMs, { t: "retry" });
    s.retryMs = Math.min(s.retryMs * 2, deps.retry.maxMs);
  }

  function fail(
    s: DataplaneState,
    ctx: ActorContext<DataplaneMsg>,
    scope: SyncScope,
    e: { code: LbCountedError; message: string },
    extra: Record<string, unknown> = {},
  ): void {
    m.errors.inc({ code: e.code });
    m.syncs.inc({ scope, result: "error" });
    s.cache = undefined;
    ctx.log.warn({ scope, code: e.code, err: e.message, retryInMs: s.retryMs, ...extra }, "lb sync failed");
    scheduleRetry(s, ctx);
  }

  async function persistOwned(ctx: ActorContext<DataplaneMsg>, ops: StoreOp<OwnedVip>[]) {
    if (ops.length === 0) return;
    try {
      await deps.owned.apply(ops);
    } catch (e: unknown) {
      // The in-memory set is still right for this run; only a restart would forget.
      m.errors.inc({ code: "LB_E_PERSIST" });
      ctx.log.warn({ err: messageOf(e) }, "could not persist owned VIPs");
    }
  }

  /** Apply `ops`, then account for what took effect. */
  async function execute(
    s: DataplaneState,
    ctx: ActorContext<DataplaneMsg>,
    ops: readonly LbOp[],
    scope: SyncScope,
    t0: number,
    synced: readonly DesiredVip[],
  ): Promise<SyncReport> {
    const r = ops.length === 0 ? ({ ok: true, applied: 0 } as const) : await dp.apply(ops);
    const done = ops.slice(0, r.applied);
    for (const op of done) m.operations.inc({ kind: op.kind, scope });
    for (const op of done) {
      ctx.log.info(
        {
          scope,
          op: op.kind,
          vip: vipKeyId(op.key),
          reason: op.reason,
          ...("address" in op ? { as: op.address } : {}),
        },
        "lb sync op",
      );
    }
    const storeOps: StoreOp<OwnedVip>[] = [];
    const owner = new Map(synced.map((v) => [vipKeyId(v.key), v.frontend]));
    for (const op of done) {
      const id = vipKeyId(op.key);
      if (op.kind === "vip-add") {
        const f = owner.get(id) ?? "";
        s.owned.set(id, f);
        storeOps.push({ kind: "put", key: id, value: { frontend: f } });
      } else if (op.kind === "vip-del" && !owner.has(id)) {
        s.owned.delete(id);
        storeOps.push({ kind: "delete", key: id });
      }
    }
    if (s.cache !== undefined) {
      const next = model(done, s.cache);
      s.cache = next.ok ? next.value : undefined;
    }
    const durationMs = performance.now() - t0;
    const byKind = countKinds(done);
    if (!r.ok) {
      await persistOwned(ctx, storeOps);
      const error = { code: r.error.code, message: r.error.message };
      fail(s, ctx, scope, error, {
        op: r.error.op.kind,
        vip: vipKeyId(r.error.op.key),
        retval: r.error.retval,
      });
      return { scope, ran: true, ops: done.length, byKind, durationMs, error };
    }
    // A configured VIP that exists after a clean sync is ours (adopted if someone else made it).
    for (const v of synced) {
      const id = vipKeyId(v.key);
      if (s.cache?.has(id) === true && s.owned.get(id) !== v.frontend) {
        s.owned.set(id, v.frontend);
        storeOps.push({ kind: "put", key: id, value: { frontend: v.frontend } });
      }
    }
    await persistOwned(ctx, storeOps);
    s.retryMs = deps.retry.initialMs;
    m.syncs.inc({ scope, result: "ok" });
    m.syncDuration.observe({ scope }, durationMs / 1000);
    return { scope, ran: true, ops: done.length, byKind, durationMs };
  }

  async function fullSync(s: DataplaneState, ctx: ActorContext<DataplaneMsg>): Promise<SyncReport> {
    if (s.awaiting.size > 0) {
      s.deferredFull = true;
      return suppressed("all", "not-ready");
    }
    if (!dp.connected) return suppressed("all", "disconnected");
    s.deferredFull = false;
    const t0 = performance.now();
    await pushConf(dp, s.conf, ctx.log).catch((e: unknown) => {
      m.errors.inc({ code: codeOf(e) });
      ctx.log.warn({ code: codeOf(e), err: messageOf(e) }, "lb_conf push failed; VIPs are synced anyway");
    });
    let current: LbState;
    try {
      current = await dp.read();
    } catch (e: unknown) {
      const error = { code: codeOf(e), message: messageOf(e) };
      fail(s, ctx, "all", error);
      return { scope: "all", ran: true, ops: 0, byKind: {}, durationMs: performance.now() - t0, error };
    }
    s.cache = current;
    const desired = desiredMap(s);
    // Only what we configure or own is in scope: foreign VIPs are left alone.
    const scoped = new Map([...current].filter(([id]) => desired.has(id) || s.owned.has(id)));
    const ops = diff(desired, scoped);
    // A full sync covers every VIP; operator flushes still owed go in the next drain.
    for (const [f, forces] of [...s.dirty]) if (forces.length === 0) s.dirty.delete(f);
    const report = await execute(s, ctx, ops, "all", t0, [...desired.values()]);
    s.lastFull = report;
    s.lastFullAt = ctx.clock.now();
    return report;
  }

  async function drain(s: DataplaneState, ctx: ActorContext<DataplaneMsg>): Promise<void> {
    s.drainQueued = false;
    if (s.dirty.size === 0) return;
    if (!dp.connected) {
      suppressed("vip", "disconnected");
      return;
    }
    const t0 = performance.now();
    if (s.cache === undefined) {
      try {
        s.cache = await dp.read();
      } catch (e: unknown) {
        fail(s, ctx, "vip", { code: codeOf(e), message: messageOf(e) });
        return;
      }
    }
    const desired = desiredMap(s);
    const taken = new Map(s.dirty);
    s.dirty.clear();
    const synced: DesiredVip[] = [];
    const forced: { id: string; address: IpAddr }[] = [];
    for (const [frontend, forces] of taken) {
      const e = s.desired.get(frontend);
      if (e === undefined) continue;
      synced.push(e.vip);
      for (const address of forces) forced.push({ id: vipKeyId(e.vip.key), address });
    }
    // One pass over the table for every dirty VIP without an operator flush (§5.3 scope: never
    // deletes VIPs); a VIP with one is diffed with it, so weight and flush go in one call.
    const withForce = new Set(forced.map((f) => f.id));
    const plain = new Set(synced.map((v) => vipKeyId(v.key)).filter((id) => !withForce.has(id)));
    const ops: LbOp[] = plain.size === 0 ? [] : [...diff(desired, s.cache, { only: plain })];
    if (forced.length > 0) {
      // Operator flushes (rare): each against the table the previous ops leave.
      let working = model(ops, s.cache);
      for (const f of forced) {
        if (!working.ok) break;
        const batch = diffVip(desired, working.value, f.id, f.address);
        ops.push(...batch);
        working = model(batch, working.value);
      }
    }
    const report = await execute(s, ctx, ops, "vip", t0, synced);
    if (report.error !== undefined) {
      // Keep what was asked (flushes included) for the retry.
      for (const [f, forces] of taken) s.dirty.set(f, [...(s.dirty.get(f) ?? []), ...forces]);
    }
  }

  function markDirty(s: DataplaneState, ctx: ActorContext<DataplaneMsg>, frontend: string, force?: IpAddr) {
    const list = s.dirty.get(frontend) ?? [];
    if (force !== undefined && !list.includes(force)) list.push(force);
    s.dirty.set(frontend, list);
    if (!s.drainQueued) {
      s.drainQueued = true;
      ctx.self.tell({ t: "drain" });
    }
  }

  /** Feed the warmup tracker and perform what it returns; the report of a sync-all, if one ran. */
  async function gate(
    s: DataplaneState,
    ctx: ActorContext<DataplaneMsg>,
    ev: WarmupEvent,
    force?: IpAddr,
  ): Promise<SyncReport | undefined> {
    const now = ctx.clock.now();
    const r = warmupStep(s.warmup, ev, now);
    s.warmup = r.state;
    let report: SyncReport | undefined;
    for (const a of r.actions as readonly WarmupAction[]) {
      switch (a.kind) {
        case "arm":
          ctx.timers.arm("warmup", Math.max(0, a.at - now), { t: "warmup-tick" });
          break;
        case "suppressed":
          ctx.log.debug({ frontend: a.frontend, reason: a.reason }, "lb sync held back by warmup");
          report = suppressed(a.frontend === undefined ? "all" : "vip", a.reason);
          break;
        case "sync-vip": {
          if (a.reason === "warmup-release")
            ctx.log.info({ frontend: a.frontend }, "frontend released from warmup");
          // The operator's flush belongs to the frontend whose push carried it.
          const own = ev.kind === "sync-vip" && ev.frontend === a.frontend;
          markDirty(s, ctx, a.frontend, own ? force : undefined);
          break;
        }
        case "sync-all":
          if (a.reason === "warmup-end") ctx.log.info("lb warmup over: final full sync");
          report = await fullSync(s, ctx);
          break;
        default:
          return assertNever(a, "warmup action");
      }
    }
    return report;
  }

  return {
    kind: "lb-dataplane",
    // Every frontend pushes through here; a refused push is retried by its sender.
    mailbox: { capacity: 8192, overflow: "drop-newest" },
    init(ctx) {
      const settings = deps.settings();
      const s: DataplaneState = {
        desired: new Map(),
        dirty: new Map(),
        awaiting: new Set(deps.expected()),
        owned: new Map(deps.owned.list().map((r) => [r.key, r.value.frontend])),
        drainQueued: false,
        deferredFull: false,
        cache: undefined,
        warmup: warmupStart(deps.warmup, deps.startedAt),
        retryMs: deps.retry.initialMs,
        syncIntervalMs: settings.syncIntervalMs,
        conf: settings.conf,
        lastFull: undefined,
        lastFullAt: undefined,
      };
      ctx.timers.arm("periodic", s.syncIntervalMs, { t: "periodic" });
      // Start the warmup clock ticking (its first answer arms the next tick).
      ctx.self.tell({ t: "warmup-tick" });
      return s;
    },
    async receive(s, msg, ctx) {
      switch (msg.t) {
        case "desired": {
          s.desired.set(msg.frontend, { vip: msg.vip, allKnown: msg.allKnown });
          const wasAwaiting = s.awaiting.delete(msg.frontend);
          await gate(
            s,
            ctx,
            { kind: "sync-vip", frontend: msg.frontend, allKnown: msg.allKnown },
            msg.forceFlush,
          );
          if (wasAwaiting && s.awaiting.size === 0 && s.deferredFull)
            await gate(s, ctx, { kind: "sync-all" });
          return s;
        }
        case "forget":
          s.desired.delete(msg.frontend);
          s.dirty.delete(msg.frontend);
          s.awaiting.delete(msg.frontend);
          return s;
        case "expect":
          for (const f of msg.frontends) if (!s.desired.has(f)) s.awaiting.add(f);
          return s;
        case "drain":
          await drain(s, ctx);
          return s;
        case "warmup-tick": {
          const frontends = [...s.desired].map(([frontend, e]) => ({ frontend, allKnown: e.allKnown }));
          await gate(s, ctx, { kind: "tick", frontends });
          return s;
        }
        case "periodic":
          ctx.timers.arm("periodic", s.syncIntervalMs, { t: "periodic" });
          await gate(s, ctx, { kind: "sync-all" });
          return s;
        case "retry": {
          // After warmup a retry is a full sync (it re-reads the dataplane and covers every VIP);
          // operator flushes still owed are drained after it. During warmup only released VIPs move.
          const done = s.warmup.finished || warmupPhase(s.warmup, ctx.clock.now()) === "done";
          const report = done ? await gate(s, ctx, { kind: "sync-all" }) : undefined;
          if (report?.error === undefined) await drain(s, ctx);
          return s;
        }
        case "sync-all": {
          const report = await gate(s, ctx, { kind: "sync-all" });
          msg.replyTo?.tell(report ?? suppressed("all", "warmup"));
          return s;
        }
        case "connection":
          s.cache = undefined;
          if (!msg.up) {
            ctx.log.warn({ reason: msg.reason }, "lb dataplane disconnected");
            return s;
          }
          ctx.log.info({ dataplane: dp.kind }, "lb dataplane connected: full sync");
          // VPP may have restarted empty (§5.5): resync everything; released VIPs during warmup via drain.
          await gate(s, ctx, { kind: "sync-all" });
          await drain(s, ctx);
          return s;
        case "settings":
          s.conf = msg.conf;
          if (msg.syncIntervalMs !== s.syncIntervalMs) {
            s.syncIntervalMs = msg.syncIntervalMs;
            ctx.timers.arm("periodic", s.syncIntervalMs, { t: "periodic" });
          }
          return s;
        case "status":
          msg.replyTo.tell({
            kind: dp.kind,
            connected: dp.connected,
            warmup: s.warmup.finished ? "done" : warmupPhase(s.warmup, ctx.clock.now()),
            ownedVips: s.owned.size,
            lastFullSync: s.lastFull,
            lastFullSyncAt: s.lastFullAt,
          });
          return s;
        default:
          return assertNever(msg, "lb dataplane message");
      }
    },
  };
}
