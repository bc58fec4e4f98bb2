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
 *
 * This file is the message loop and the warmup gate; the syncs are in
 * `dataplane-sync.ts`, applying and accounting in `dataplane-execute.ts`,
 * messages and state in `dataplane-types.ts`.
 */
import { assertNever } from "../../protocols/common/assert-never.js";
import type { IpAddr } from "../../protocols/lb/ip.js";
import {
  type WarmupAction,
  type WarmupEvent,
  warmupPhase,
  warmupStart,
  warmupStep,
} from "../../protocols/lb/warmup.js";
import type { ActorContext, ActorSpec } from "../runtime/index.js";
import { suppressed } from "./dataplane-execute.js";
import { drain, fullSync } from "./dataplane-sync.js";
import type { DataplaneDeps, DataplaneMsg, DataplaneState } from "./dataplane-types.js";
import type { SyncReport } from "./types.js";

export type { DataplaneDeps, DataplaneMsg, DataplaneState } from "./dataplane-types.js";

/** The dataplane actor spec. */
export function dataplaneActor(deps: DataplaneDeps): ActorSpec<DataplaneMsg, DataplaneState> {
  const dp = deps.dataplane;
  const m = deps.metrics;

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
          report = suppressed(m, a.frontend === undefined ? "all" : "vip", a.reason);
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
          report = await fullSync(deps, s, ctx);
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
          await drain(deps, s, ctx);
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
          if (report?.error === undefined) await drain(deps, s, ctx);
          return s;
        }
        case "sync-all": {
          const report = await gate(s, ctx, { kind: "sync-all" });
          msg.replyTo?.tell(report ?? suppressed(m, "all", "warmup"));
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
          await drain(deps, s, ctx);
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
