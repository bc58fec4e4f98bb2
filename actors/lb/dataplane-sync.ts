/**
 * The two kinds of LB sync the dataplane actor runs (maglev-vpp §5.3, §5.4):
 * the full drift sync against a fresh read, and the per-VIP drain against
 * the cached table. Both end in `execute` (`dataplane-execute.ts`).
 */
import { apply as model } from "../../protocols/lb/apply.js";
import { diff, diffVip } from "../../protocols/lb/diff.js";
import type { IpAddr } from "../../protocols/lb/ip.js";
import type { LbOp } from "../../protocols/lb/ops.js";
import { type DesiredVip, type LbState, vipKeyId } from "../../protocols/lb/types.js";
import type { ActorContext } from "../runtime/index.js";
import { pushConf } from "./conf.js";
import { codeOf, execute, fail, messageOf, suppressed } from "./dataplane-execute.js";
import type { DataplaneDeps, DataplaneMsg, DataplaneState } from "./dataplane-types.js";
import type { SyncReport } from "./types.js";

/** The desired table keyed by VIP, one VIP per key (the first frontend wins). */
export function desiredMap(s: DataplaneState): Map<string, DesiredVip> {
  const out = new Map<string, DesiredVip>();
  for (const { vip } of s.desired.values()) {
    const id = vipKeyId(vip.key);
    // Config validation refuses two frontends on one VIP key; keep the first if one slips through.
    if (!out.has(id)) out.set(id, vip);
  }
  return out;
}

/**
 * The full drift sync (§5.4): push `lb_conf`, re-read the dataplane, diff every configured or
 * owned VIP (foreign ones are out of scope) and apply. Waits until every expected frontend pushed.
 */
export async function fullSync(
  deps: DataplaneDeps,
  s: DataplaneState,
  ctx: ActorContext<DataplaneMsg>,
): Promise<SyncReport> {
  const dp = deps.dataplane;
  const m = deps.metrics;
  if (s.awaiting.size > 0) {
    s.deferredFull = true;
    return suppressed(m, "all", "not-ready");
  }
  if (!dp.connected) return suppressed(m, "all", "disconnected");
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
    fail(deps, s, ctx, "all", error);
    return { scope: "all", ran: true, ops: 0, byKind: {}, durationMs: performance.now() - t0, error };
  }
  s.cache = current;
  const desired = desiredMap(s);
  // Only what we configure or own is in scope: foreign VIPs are left alone.
  const scoped = new Map([...current].filter(([id]) => desired.has(id) || s.owned.has(id)));
  const ops = diff(desired, scoped);
  // A full sync covers every VIP; operator flushes still owed go in the next drain.
  for (const [f, forces] of [...s.dirty]) if (forces.length === 0) s.dirty.delete(f);
  const report = await execute(deps, s, ctx, ops, "all", t0, [...desired.values()]);
  s.lastFull = report;
  s.lastFullAt = ctx.clock.now();
  return report;
}

/**
 * The per-VIP sync (§5.3) of every dirty frontend against the cached table (read once if
 * missing); never deletes VIPs. Operator flushes go with their VIP's diff.
 */
export async function drain(
  deps: DataplaneDeps,
  s: DataplaneState,
  ctx: ActorContext<DataplaneMsg>,
): Promise<void> {
  const dp = deps.dataplane;
  s.drainQueued = false;
  if (s.dirty.size === 0) return;
  if (!dp.connected) {
    suppressed(deps.metrics, "vip", "disconnected");
    return;
  }
  const t0 = performance.now();
  if (s.cache === undefined) {
    try {
      s.cache = await dp.read();
    } catch (e: unknown) {
      fail(deps, s, ctx, "vip", { code: codeOf(e), message: messageOf(e) });
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
  const report = await execute(deps, s, ctx, ops, "vip", t0, synced);
  if (report.error !== undefined) {
    // Keep what was asked (flushes included) for the retry.
    for (const [f, forces] of taken) s.dirty.set(f, [...(s.dirty.get(f) ?? []), ...forces]);
  }
}
