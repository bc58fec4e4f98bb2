/**
 * Typed errors of the health core. Operator actions that the spec forbids
 * (maglev-vpp.md §3.5: pause/resume on a disabled backend) and bad check
 * parameters are expected outcomes, so they are values, not exceptions; the
 * API layer maps the `HC_E_…` codes to HTTP statuses.
 */

/** Stable error codes of the health subsystem. */
export type HealthErrorCode =
  /** Pause or resume asked of a disabled backend (§3.5, bug 17 in §10). */
  | "HC_E_BACKEND_DISABLED"
  /** Any operator action on a backend that left the config (§3.1). */
  | "HC_E_BACKEND_REMOVED"
  /** A health-check parameter is out of range (rise, fall, intervals, …). */
  | "HC_E_INVALID_CONFIG"
  /** An expected-status list such as `200-299,301` does not parse. */
  | "HC_E_INVALID_STATUS_SET";

/** An expected failure of the health core, with the field at fault if any. */
export interface HealthError {
  readonly code: HealthErrorCode;
  readonly message: string;
  /** The config key (kebab-case, as in YAML) the error is about. */
  readonly field?: string;
}

/** Build a {@link HealthError}. */
export function healthError(code: HealthErrorCode, message: string, field?: string): HealthError {
  return field === undefined ? { code, message } : { code, message, field };
}
