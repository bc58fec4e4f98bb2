/**
 * The LB subsystem's metrics catalogue (style guide rules 33–34; upstream
 * names in maglev-vpp §5.1 `maglev_vpp_lbsync_total{scope,kind}`). Declared
 * on the daemon's registry (`ActorSystem.registry`).
 *
 * Label cardinality: `frontend` is bounded by the config; `state`, `kind`,
 * `scope`, `result` and `code` are closed unions.
 */
import type { Registry } from "prom-client";
import type { LbErrorCode } from "../../protocols/lb/errors.js";
import type { FrontendState } from "../../protocols/lb/frontend-state.js";
import type { LbOpKind } from "../../protocols/lb/ops.js";
import { defineMetrics } from "../runtime/index.js";
import type { LbEventHub } from "./event-hub.js";

/** Every frontend state, for the one-hot gauge. */
export const FRONTEND_STATES: readonly FrontendState[] = ["unknown", "up", "down"];

/** Error codes counted by the reconciler: dataplane refusals plus the store. */
export type LbCountedError = LbErrorCode | "LB_E_PERSIST";

/** Sync scopes: one VIP (§5.3) or everything (§5.4). */
export type SyncScope = "vip" | "all";

/** Build the catalogue; `hub` feeds the frontend gauge, `connected` the dataplane gauge, both at scrape time. */
export function createLbMetrics(
  registry: Registry,
  hub: LbEventHub,
  dataplane: { readonly kind: string; readonly connected: boolean },
) {
  return defineMetrics(registry, (f) => ({
    frontendState: f.gauge<{ frontend: string; state: FrontendState }>({
      name: "magnetite_lb_frontend_state",
      help: "Frontend state, one-hot: 1 for the current state, 0 for the others",
      labelNames: ["frontend", "state"],
      collect: (g) => {
        g.reset();
        for (const [frontend, cur] of hub.frontendStates()) {
          for (const s of FRONTEND_STATES) g.set({ frontend, state: s }, s === cur ? 1 : 0);
        }
      },
    }),
    operations: f.counter<{ kind: LbOpKind; scope: SyncScope }>({
      name: "magnetite_lb_sync_operations_total",
      help: "Dataplane operations applied by the reconciler, by op kind and sync scope",
      labelNames: ["kind", "scope"],
    }),
    syncs: f.counter<{ scope: SyncScope; result: "ok" | "error" | "suppressed" }>({
      name: "magnetite_lb_syncs_total",
      help: "Syncs attempted, by scope and outcome (suppressed: held back by warmup or a missing dataplane)",
      labelNames: ["scope", "result"],
    }),
    syncDuration: f.histogram<{ scope: SyncScope }>({
      name: "magnetite_lb_sync_duration_seconds",
      help: "Duration of a sync that ran (read + diff + apply), by scope",
      labelNames: ["scope"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
    connected: f.gauge<{ dataplane: string }>({
      name: "magnetite_lb_dataplane_connected",
      help: "1 while the LB dataplane is connected, 0 otherwise",
      labelNames: ["dataplane"],
      collect: (g) => g.set({ dataplane: dataplane.kind }, dataplane.connected ? 1 : 0),
    }),
    errors: f.counter<{ code: LbCountedError }>({
      name: "magnetite_lb_errors_total",
      help: "Reconciler errors by code (dataplane refusals carry the VPP retval's code); each is retried",
      labelNames: ["code"],
    }),
  }));
}

/** The LB metrics catalogue. */
export type LbMetrics = ReturnType<typeof createLbMetrics>;
