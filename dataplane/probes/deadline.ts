/**
 * A probe's deadline: the owner's cancel signal combined with
 * `AbortSignal.timeout`, remembering which of the two fired so the result
 * can say `timeout` or `aborted`.
 *
 * We combine by hand rather than with `AbortSignal.any`: the owner's signal
 * lives as long as the health actor, and the listeners we add to it must be
 * removed after every probe (`dispose`), or thousands of probes would pile
 * listeners onto one long-lived signal.
 */

/** Why a deadline fired. */
export type DeadlineCause = "timeout" | "aborted";

/** A combined signal with the cause of its abort. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** `undefined` while not fired. */
  cause(): DeadlineCause | undefined;
  /** Detach from the owner's signal; call once the probe has settled. */
  dispose(): void;
}

/** Largest delay `AbortSignal.timeout` accepts (a uint32 of milliseconds). */
const MAX_TIMEOUT_MS = 0xffff_ffff;

/** Start a deadline of `timeoutMs` under `parent`. */
export function startDeadline(parent: AbortSignal, timeoutMs: number): Deadline {
  const controller = new AbortController();
  let fired: DeadlineCause | undefined;
  const fire = (cause: DeadlineCause, reason: unknown) => {
    if (fired !== undefined) return;
    fired = cause;
    controller.abort(reason);
  };
  // AbortSignal.timeout wants a whole number of ms; round up so we never cut short.
  const timer = AbortSignal.timeout(Math.min(MAX_TIMEOUT_MS, Math.max(0, Math.ceil(timeoutMs))));
  const onTimer = () => fire("timeout", timer.reason);
  const onParent = () => fire("aborted", parent.reason);
  if (parent.aborted) onParent();
  else {
    timer.addEventListener("abort", onTimer, { once: true });
    parent.addEventListener("abort", onParent, { once: true });
  }
  return {
    signal: controller.signal,
    cause: () => fired,
    dispose() {
      timer.removeEventListener("abort", onTimer);
      parent.removeEventListener("abort", onParent);
    },
  };
}
