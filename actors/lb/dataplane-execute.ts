/**
 * Performing LB sync ops and accounting for them (maglev-vpp §5.3, §5.4):
 * apply in order, count and log each op that took effect, track VIP
 * ownership (persisted), advance the cached dataplane table with the pure
 * model, and on failure count, log and schedule a retry with backoff.
 */
import { DomainError } from "../../protocols/common/domain-error.js";
import { apply as model } from "../../protocols/lb/apply.js";
import type { LbErrorCode } from "../../protocols/lb/errors.js";
import type { LbOp, LbOpKind } from "../../protocols/lb/ops.js";
import { type DesiredVip, vipKeyId } from "../../protocols/lb/types.js";
import type { StoreOp } from "../../dataplane/store/index.js";
import type { ActorContext } from "../runtime/index.js";
import type { DataplaneDeps, DataplaneMsg, DataplaneState } from "./dataplane-types.js";
import type { LbCountedError, LbMetrics, SyncScope } from "./metrics.js";
import type { OwnedVip } from "./persistence.js";
import type { SyncReport } from "./types.js";

/** The counted code of an error thrown by a dataplane. */
export function codeOf(e: unknown): LbCountedError {
  if (e instanceof DomainError && typeof e.code === "string" && e.code.startsWith("LB_E_"))
    return e.code as LbErrorCode;
  return "LB_E_DATAPLANE_ERROR";
}

/** A thrown value as a log message. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function countKinds(ops: readonly LbOp[]): Partial<Record<LbOpKind, number>> {
  const out: Partial<Record<LbOpKind, number>> = {};
  for (const op of ops) out[op.kind] = (out[op.kind] ?? 0) + 1;
  return out;
}

/** Count and report a sync that did not run. */
export function suppressed(
  m: LbMetrics,
  scope: SyncScope,
  why: NonNullable<SyncReport["suppressed"]>,
): SyncReport {
  m.syncs.inc({ scope, result: "suppressed" });
  return { scope, ran: false, suppressed: why, ops: 0, byKind: {}, durationMs: 0 };
}

/** Arm the retry timer (once) and double the next delay up to the cap. */
export function scheduleRetry(deps: DataplaneDeps, s: DataplaneState, ctx: ActorContext<DataplaneMsg>): void {
  if (ctx.timers.isArmed("retry")) return;
  ctx.timers.arm("retry", s.retryMs, { t: "retry" });
  s.retryMs = Math.min(s.retryMs * 2, deps.retry.maxMs);
}

/** Count, log and schedule a retry after a failed sync; the cache is dropped. */
export function fail(
  deps: DataplaneDeps,
  s: DataplaneState,
  ctx: ActorContext<DataplaneMsg>,
  scope: SyncScope,
  e: { code: LbCountedError; message: string },
  extra: Record<string, unknown> = {},
): void {
  const m = deps.metrics;
  m.errors.inc({ code: e.code });
  m.syncs.inc({ scope, result: "error" });
  s.cache = undefined;
  ctx.log.warn({ scope, code: e.code, err: e.message, retryInMs: s.retryMs, ...extra }, "lb sync failed");
  scheduleRetry(deps, s, ctx);
}

async function persistOwned(deps: DataplaneDeps, ctx: ActorContext<DataplaneMsg>, ops: StoreOp<OwnedVip>[]) {
  if (ops.length === 0) return;
  try {
    await deps.owned.apply(ops);
  } catch (e: unknown) {
    // The in-memory set is still right for this run; only a restart would forget.
    deps.metrics.errors.inc({ code: "LB_E_PERSIST" });
    ctx.log.warn({ err: messageOf(e) }, "could not persist owned VIPs");
  }
}

/** Apply `ops`, then account for what took effect. */
export async function execute(
  deps: DataplaneDeps,
  s: DataplaneState,
  ctx: ActorContext<DataplaneMsg>,
  ops: readonly LbOp[],
  scope: SyncScope,
  t0: number,
  synced: readonly DesiredVip[],
): Promise<SyncReport> {
  const m = deps.metrics;
  const r = ops.length === 0 ? ({ ok: true, applied: 0 } as const) : await deps.dataplane.apply(ops);
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
    await persistOwned(deps, ctx, storeOps);
    const error = { code: r.error.code, message: r.error.message };
    fail(deps, s, ctx, scope, error, {
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
  await persistOwned(deps, ctx, storeOps);
  s.retryMs = deps.retry.initialMs;
  m.syncs.inc({ scope, result: "ok" });
  m.syncDuration.observe({ scope }, durationMs / 1000);
  return { scope, ran: true, ops: done.length, byKind, durationMs };
}
