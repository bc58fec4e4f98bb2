/**
 * The health subsystem's vocabulary at the actor layer: what the config layer
 * hands in (`BackendSpec`, `CheckSpec`, `ReloadPlan`), what the actors hand
 * out (`BackendSnapshot`, `BackendStateEvent`, `OperatorReply`), and the
 * subsystem's error codes. Plain data only, so it crosses actor messages and
 * the API boundary unchanged. `actors/` may not import `api/`, so these types
 * are the contract the API side converts its decoded config into.
 */
import type { HealthStatus, TransitionRecord } from "../../protocols/health/index.js";
import type { ProbeFailureCode } from "../../protocols/health/probe-result.js";

/** Probe kinds (maglev-vpp.md §2.4 `type`). */
export type CheckType = "icmp" | "tcp" | "http" | "https";

/** HTTP/HTTPS parameters of a check (§2.4 `http` block; keys beyond path/host are ours). */
export interface HttpCheckSpec {
  readonly path?: string;
  readonly host?: string;
  readonly method?: string;
  /** Expected statuses as `200-299,301`; default `200-299`. */
  readonly expectStatus?: string;
  /** Regular expression the first `bodyLimit` bytes must match. */
  readonly bodyRegex?: string;
  readonly bodyLimit?: number;
  /** HTTPS only: verify the certificate (default false). */
  readonly verify?: boolean;
  /** HTTPS only: TLS server name. */
  readonly sni?: string;
}

/** TCP parameters of a check (§2.4 "tcp carries a TCP parameter block"). */
export interface TcpCheckSpec {
  readonly send?: string;
  readonly expect?: string;
  readonly readLimit?: number;
}

/** One health check, decoded: durations in milliseconds, absent keys take the core's defaults. */
export interface CheckSpec {
  readonly type: CheckType;
  readonly port?: number;
  readonly interval?: number;
  readonly fastInterval?: number;
  readonly downInterval?: number;
  readonly timeout?: number;
  readonly rise?: number;
  readonly fall?: number;
  readonly sourceIpv4?: string;
  readonly sourceIpv6?: string;
  readonly http?: HttpCheckSpec;
  readonly tcp?: TcpCheckSpec;
}

/** One backend as configured (§2.5). `check` is absent for a static backend (§3.6). */
export interface BackendSpec {
  readonly name: string;
  readonly address: string;
  /** The name of the check it references, for display. */
  readonly healthcheck: string | undefined;
  readonly check: CheckSpec | undefined;
  readonly enabled: boolean;
}

/**
 * What a reload does to the health actors (maglev-vpp.md §2.7), computed from
 * the config diff by the API layer:
 * - `start`: new backends get a fresh actor (state `unknown`);
 * - `restart`: the backend's check changed: its actor is replaced and the
 *   YAML `enabled` is authoritative (a persisted operator action is cleared);
 * - `update`: the backend changed but its check did not: the actor keeps its
 *   state and counter; the new address is mirrored onto it, and `enabled`
 *   is applied only if the YAML value itself changed (an operator's runtime
 *   choice survives a reload that did not touch it);
 * - `stop`: removed backends go to `removed` and their actors stop.
 */
export interface ReloadPlan {
  readonly start: readonly BackendSpec[];
  readonly restart: readonly BackendSpec[];
  readonly update: readonly { readonly spec: BackendSpec; readonly enabledChanged: boolean }[];
  readonly stop: readonly string[];
}

/** The last recorded probe result, for the API. */
export interface LastResult {
  readonly ok: boolean;
  readonly code: "ok" | ProbeFailureCode;
  readonly detail: string;
  readonly latencyMs: number;
  /** Milliseconds since the result was recorded (monotonic, so the API can map it to wall time). */
  readonly agoMs: number;
}

/** One history entry with its age instead of a monotonic instant. */
export interface HistoryEntry extends Omit<TransitionRecord, "at"> {
  readonly agoMs: number;
}

/** A backend's state as its actor reports it (answer to `get`, operator actions and list fan-outs). */
export interface BackendSnapshot {
  readonly name: string;
  readonly address: string;
  readonly healthcheck: string | undefined;
  readonly type: CheckType | undefined;
  readonly state: HealthStatus;
  readonly enabled: boolean;
  readonly counter: number;
  readonly rise: number;
  readonly fall: number;
  /** Time in the current state, measured inside the actor on its monotonic clock. */
  readonly durationMs: number;
  readonly lastResult: LastResult | undefined;
  /** Oldest first. */
  readonly history: readonly HistoryEntry[];
}

/**
 * Published on every transition, latest-value semantics per backend
 * (DESIGN.md, Actors; style guide rule 17): a subscriber that falls behind
 * sees only the newest state of each backend, never a stale one.
 */
export interface BackendStateEvent {
  readonly kind: "backend-state";
  readonly name: string;
  readonly address: string;
  readonly state: HealthStatus;
  readonly enabled: boolean;
  readonly counter: number;
  /** The transition that produced this state; absent for the initial `unknown` of a fresh actor. */
  readonly transition: TransitionRecord | undefined;
}

/** Stable error codes of the health subsystem at the actor/API layer. */
export type HealthServiceErrorCode =
  /** No backend with that name in the config in force. */
  | "HC_E_BACKEND_NOT_FOUND"
  /** Pause/resume of a disabled backend (§3.5). */
  | "HC_E_BACKEND_DISABLED"
  /** Any action on a backend that is being removed. */
  | "HC_E_BACKEND_REMOVED"
  /** The operator action could not be persisted; nothing changed. */
  | "HC_E_PERSIST";

/** Answer to an operator action. */
export type OperatorReply =
  | { readonly ok: true; readonly snapshot: BackendSnapshot }
  | { readonly ok: false; readonly code: HealthServiceErrorCode; readonly message: string };

/** Operator actions exposed by the API (§3.5); `remove` is reload-only. */
export type AdminAction = "pause" | "resume" | "disable" | "enable";

/** Every admin action, for route tables and tests. */
export const ADMIN_ACTIONS: readonly AdminAction[] = ["pause", "resume", "disable", "enable"];
