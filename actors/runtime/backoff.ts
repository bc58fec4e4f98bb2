/**
 * Restart pacing, as pure functions of time and an injected random source
 * (so tests are deterministic). Two mechanisms, as in OTP supervisors plus
 * the exponential backoff OTP leaves to the user:
 * - restart intensity: at most `maxRestarts` restarts in any `withinMs`
 *   window per supervisor, else the supervisor gives up and escalates;
 * - backoff: the n-th recent restart of a child waits
 *   `min(maxMs, initialMs·factor^n)` scaled by a uniform factor in
 *   [1 − jitter, 1 + jitter], so a crash loop cannot spin the event loop and
 *   siblings that crashed together do not restart in lock-step.
 */
import type { Random } from "../../protocols/common/time.js";

/** Exponential backoff with symmetric jitter. */
export interface BackoffOptions {
  /** Delay before the first restart in a window (ms, ≥ 0). */
  readonly initialMs: number;
  /** Upper bound on the un-jittered delay (ms). */
  readonly maxMs: number;
  /** Growth per recent restart (≥ 1). */
  readonly factor: number;
  /** Relative jitter in [0, 1]: 0.2 spreads a 1 s delay over [0.8 s, 1.2 s]. */
  readonly jitter: number;
}

/** Defaults: 100 ms doubling to 30 s, ±20 %. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 30_000, factor: 2, jitter: 0.2 };

/** Delay before restart number `attempt` (0-based count of this child's recent restarts). */
export function backoffDelay(attempt: number, o: BackoffOptions, random: Random): number {
  const base = Math.min(o.maxMs, o.initialMs * o.factor ** Math.max(0, attempt));
  const j = Math.min(1, Math.max(0, o.jitter));
  return Math.max(0, base * (1 - j + 2 * j * random()));
}

/** Timestamps of recent events in a sliding window. */
export class SlidingWindow {
  private readonly stamps: number[] = [];

  constructor(readonly withinMs: number) {}

  /** Events still inside the window ending at `now`. */
  count(now: number): number {
    this.prune(now);
    return this.stamps.length;
  }

  /** Record an event at `now`; returns the count including it. */
  record(now: number): number {
    this.prune(now);
    this.stamps.push(now);
    return this.stamps.length;
  }

  /** Forget everything (a fresh incarnation of the supervisor). */
  clear(): void {
    this.stamps.length = 0;
  }

  private prune(now: number): void {
    const floor = now - this.withinMs;
    let drop = 0;
    while (drop < this.stamps.length && (this.stamps[drop] as number) <= floor) drop++;
    if (drop > 0) this.stamps.splice(0, drop);
  }
}
