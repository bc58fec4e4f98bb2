/**
 * A probe's deadline: the owner's cancel signal combined with a timeout,
 * remembering which of the two fired so the result can say `timeout` or
 * `aborted`.
 *
 * The timeout is a plain `setTimeout` aborting our controller, not
 * `AbortSignal.timeout`: the latter's timer is unref'd (measured here: a
 * probe waiting on nothing else never finishes, the loop exits first) and
 * cannot be cancelled, so every probe would leave a timer behind until its
 * full timeout. Ours is cleared by `dispose` as soon as the probe settles.
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
  /** Clear the timer and detach from the owner's signal; call once the probe has settled (idempotent). */
  dispose(): void;
}

/** Largest delay `setTimeout` honours (2^31 − 1 ms); larger values fire at once. */
const MAX_TIMEOUT_MS = 0x7fff_ffff;

/** Start a deadline of `timeoutMs` under `parent`. */
export function startDeadline(parent: AbortSignal, timeoutMs: number): Deadline {
  const controller = new AbortController();
  let fired: DeadlineCause | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onParent = () => fire("aborted", parent.reason);
  const release = () => {
    clearTimeout(timer);
    parent.removeEventListener("abort", onParent);
  };
  function fire(cause: DeadlineCause, reason: unknown): void {
    if (fired !== undefined) return;
    fired = cause;
    release();
    controller.abort(reason);
  }
  if (parent.aborted) onParent();
  else {
    // Round up so a fractional timeout never cuts a probe short.
    const delay = Math.min(MAX_TIMEOUT_MS, Math.max(0, Math.ceil(timeoutMs)));
    timer = setTimeout(() => fire("timeout", new DOMException("probe timed out", "TimeoutError")), delay);
    parent.addEventListener("abort", onParent, { once: true });
  }
  return {
    signal: controller.signal,
    cause: () => fired,
    dispose: release,
  };
}
