/**
 * Public surface of the LB reconciler actors (maglev-vpp §4, §5). See
 * README.md in this folder for the model, decisions and usage.
 */
export { BackendFanout } from "./backend-fanout.js";
export { hasConf, mergeConf } from "./conf.js";
export { LbEventHub, type TransitionListener } from "./event-hub.js";
export { createLbMetrics, FRONTEND_STATES, type LbMetrics } from "./metrics.js";
export {
  MemoryCollection,
  OWNED_VIPS,
  type OverrideStore,
  type OwnedVip,
  type OwnedVipStore,
  overrideKey,
  WEIGHT_OVERRIDES,
  type WeightOverride,
} from "./persistence.js";
export { LB_SUPERVISOR_NAME, LbService, type LbServiceOptions } from "./service.js";
export {
  healthBackendStates,
  type HealthSubscription,
  ManualBackendStates,
  type StaticBackend,
  staticBackendStates,
} from "./sources.js";
export type { ApplyLbReport } from "./supervisor.js";
export type * from "./types.js";
