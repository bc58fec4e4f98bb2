/**
 * Operator actions as a truth table (maglev-vpp.md §3.5, §3.1, §2.7), kept as
 * data so tests iterate it and the machine reads it.
 *
 * Idempotency is keyed on the *state*, never on the `enabled` flag (bug 3 in
 * §10: keying enable on the flag left a backend "enabled, state disabled"
 * forever):
 * - disable when already `disabled`: only the flag is synced, no transition;
 * - enable when not `disabled`: only the flag is synced, no transition;
 * - pause or resume of a `disabled` backend is an error (§3.5, bug 17);
 * - pause of a `paused` backend and resume of a backend that is not paused are
 *   no-ops. §3.5 does not say what resume does outside `paused` [?]; we chose
 *   a no-op so a repeated or late resume never resets a healthy backend to
 *   `unknown` (which would drain it from VPP for one probe period);
 * - `removed` is terminal: every action on it is refused, except a repeated
 *   remove, which is a no-op (a reload that drops an already-dropped backend).
 */
import type { HealthErrorCode } from "./errors.js";
import type { HealthStatus, OperatorAction, TransitionCode } from "./types.js";

/** What an operator action does in a given state. */
export type OperatorOutcome =
  /** Enter `to` and record a transition. `unknown` means "restart probing" (a static backend goes to `up`). */
  | {
      readonly kind: "enter";
      readonly to: "paused" | "disabled" | "removed" | "unknown";
      readonly code: TransitionCode;
    }
  /** Stay; only the `enabled` flag follows the action (enable ⇒ true, disable ⇒ false). */
  | { readonly kind: "keep" }
  /** Refuse with `code`; nothing changes. */
  | { readonly kind: "reject"; readonly code: HealthErrorCode };

const pause = { kind: "enter", to: "paused", code: "paused" } as const;
const resume = { kind: "enter", to: "unknown", code: "resumed" } as const;
const disable = { kind: "enter", to: "disabled", code: "disabled" } as const;
const enable = { kind: "enter", to: "unknown", code: "enabled" } as const;
const remove = { kind: "enter", to: "removed", code: "removed" } as const;
const keep = { kind: "keep" } as const;
const isDisabled = { kind: "reject", code: "HC_E_BACKEND_DISABLED" } as const;
const isRemoved = { kind: "reject", code: "HC_E_BACKEND_REMOVED" } as const;

/** `OPERATOR_TABLE[status][action]`: the outcome of every action in every state. */
export const OPERATOR_TABLE: Readonly<
  Record<HealthStatus, Readonly<Record<OperatorAction, OperatorOutcome>>>
> = {
  unknown: { pause, resume: keep, disable, enable: keep, remove },
  up: { pause, resume: keep, disable, enable: keep, remove },
  down: { pause, resume: keep, disable, enable: keep, remove },
  paused: { pause: keep, resume, disable, enable: keep, remove },
  disabled: { pause: isDisabled, resume: isDisabled, disable: keep, enable, remove },
  removed: { pause: isRemoved, resume: isRemoved, disable: isRemoved, enable: isRemoved, remove: keep },
};
