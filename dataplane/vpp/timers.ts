/**
 * Timer functions injected into the VPP client, so tests can drive
 * reconnect backoff, keepalive pings and request deadlines deterministically.
 */

/** Opaque handle returned by `setTimeout`. */
export type TimerHandle = unknown;

/** The two timer functions the client uses. */
export interface TimerApi {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Node's timers; `unref` so a pending reconnect never keeps the process alive. */
export const realTimers: TimerApi = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};
