/**
 * Health checking at the actor layer: one probe actor per backend under a
 * supervisor, a latest-value state bus, the overdue-probe watchdog, metrics
 * and persisted operator actions. See README.md in this folder.
 */
export { type AdminRecord, type AdminStore, BACKEND_ADMIN, decodeAdminRecord } from "./admin-store.js";
export { type BackendDeps, type BackendMsg, backendActor, desiredRecord } from "./backend-actor.js";
export { createHealthMetrics, type HealthMetrics } from "./metrics.js";
export {
  buildProbe,
  type CheckError,
  checkBackendSpec,
  healthConfigOf,
  type ProbeDeps,
} from "./probe-factory.js";
export { HealthService, type HealthServiceOptions, SUPERVISOR_NAME } from "./service.js";
export { snapshotOf } from "./snapshot.js";
export { StateBus, type StateSubscriber } from "./state-bus.js";
export { type ApplyReport, healthSupervisor, type SupervisorMsg } from "./supervisor.js";
export {
  ADMIN_ACTIONS,
  type AdminAction,
  type BackendSnapshot,
  type BackendSpec,
  type BackendStateEvent,
  type CheckSpec,
  type CheckType,
  type HealthServiceErrorCode,
  type HistoryEntry,
  type HttpCheckSpec,
  type LastResult,
  type OperatorReply,
  type ReloadPlan,
  type TcpCheckSpec,
} from "./types.js";
export { ProbeWatch, WATCHDOG_GRACE_MS, type WatchdogScan } from "./watchdog.js";
