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
 *
 * The timeout is real time from the start (`performance.now()`). Since libuv
 * runs due timers before it polls for I/O, a reply that arrived while a long
 * turn outlasted the deadline is still waiting for the poll phase: the
 * timeout fires from `setImmediate` (after that poll phase), so a reply
 * handled there settles the probe first (its owner disposes us). And
 * `setTimeout` counts whole milliseconds of the loop's clock (truncated), so
 * it can fire up to a millisecond early; an early timer re-arms for the rest.
 */
import { performance } from "node:perf_hooks";

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
  let immediate: ReturnType<typeof setImmediate> | undefined;
  const onParent = () => fire("aborted", parent.reason);
  const release = () => {
    clearTimeout(timer);
    clearImmediate(immediate);
    parent.removeEventListener("abort", onParent);
  };
  function fire(cause: DeadlineCause, reason: unknown): void {
    if (fired !== undefined) return;
    fired = cause;
    release();
    controller.abort(reason);
  }
  const timeOut = () => fire("timeout", new DOMException("probe timed out", "TimeoutError"));
  const ms = Math.min(MAX_TIMEOUT_MS, Math.max(0, timeoutMs));
  const end = performance.now() + ms;
  const expire = () => {
    timer = undefined;
    const left = end - performance.now();
    if (left > 0) timer = setTimeout(expire, Math.ceil(left));
    else immediate = setImmediate(timeOut);
  };
  if (parent.aborted) onParent();
  else {
    // Round up so a fractional timeout never cuts a probe short.
    timer = setTimeout(expire, Math.ceil(ms));
    parent.addEventListener("abort", onParent, { once: true });
  }
  return {
    signal: controller.signal,
    cause: () => fired,
    dispose: release,
  };
}
