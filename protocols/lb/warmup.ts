/**
 * Startup warmup ("restart-neutral" sync), maglev-vpp §4.5 and bug §10.1:
 * after a restart every backend is `unknown`, so an immediate sync would put
 * every AS at weight 0 and black-hole new flows. Measured from process start:
 *
 *   [0, min)    hold: no dataplane writes at all;
 *   [min, max)  release: a frontend is released (one VIP sync) as soon as all
 *               its backends are known; unreleased VIPs are left alone;
 *   max         one final full sync for the stragglers, then normal operation.
 *
 * A pure transition function: the shell feeds ticks (at the `arm` instants
 * it is given) and sync requests, and performs the returned actions. Setting
 * both delays to 0 disables warmup: the first event yields the final sync.
 * Config reloads do not restart the clock; a VPP reconnect does not re-arm
 * it either (open point in §4.5; a full sync on reconnect suffices).
 */
import { assertNever } from "../common/assert-never.js";
import { type Millis, millis } from "../common/time.js";
import type { BackendState } from "./types.js";

/** Warmup bounds (config `startup-min-delay` / `startup-max-delay`). */
export interface WarmupConfig {
  readonly minDelay: Millis;
  readonly maxDelay: Millis;
}

/** Upstream defaults: 5 s hold, release until 30 s (Appendix B). */
export const DEFAULT_WARMUP: WarmupConfig = { minDelay: millis(5_000), maxDelay: millis(30_000) };

/** Poll period during the release window (Appendix B). */
export const WARMUP_POLL: Millis = millis(250);

/** Tracker state. */
export interface WarmupState {
  readonly startedAt: Millis;
  readonly config: WarmupConfig;
  /** Frontends already released during the window. */
  readonly released: ReadonlySet<string>;
  /** The final full sync has been issued; everything passes from now on. */
  readonly finished: boolean;
}

/** Phase at an instant. */
export type WarmupPhase = "hold" | "release" | "done";

/** Whether a frontend's backends all have a real state (§4.5 `allBackendsKnown`). */
export interface FrontendReadiness {
  readonly frontend: string;
  readonly allKnown: boolean;
}

/** True when no backend is `unknown` (vacuously true for no backends). */
export function allBackendsKnown(states: Iterable<BackendState>): boolean {
  for (const s of states) if (s === "unknown") return false;
  return true;
}

/** Input to the tracker. */
export type WarmupEvent =
  /** Timer fire (poll); carries the readiness of every frontend. */
  | { readonly kind: "tick"; readonly frontends: readonly FrontendReadiness[] }
  /** The reconciler wants to sync one frontend (a backend transition). */
  | { readonly kind: "sync-vip"; readonly frontend: string; readonly allKnown: boolean }
  /** A full sync is asked for (periodic, reload, operator). */
  | { readonly kind: "sync-all" };

/** Output of the tracker. */
export type WarmupAction =
  | { readonly kind: "sync-vip"; readonly frontend: string; readonly reason: "warmup-release" | "live" }
  | { readonly kind: "sync-all"; readonly reason: "warmup-end" | "live" }
  /** A request held back; the shell logs it at DEBUG (§4.5). */
  | {
      readonly kind: "suppressed";
      readonly frontend?: string;
      readonly reason: "hold" | "not-ready" | "warmup";
    }
  /** Deliver the next `tick` at this instant. */
  | { readonly kind: "arm"; readonly at: Millis };

/** A fresh tracker started at `now`; min is clamped to max. */
export function warmupStart(config: WarmupConfig, now: Millis): WarmupState {
  const maxDelay = millis(Math.max(0, config.maxDelay));
  const minDelay = millis(Math.min(Math.max(0, config.minDelay), maxDelay));
  return { startedAt: now, config: { minDelay, maxDelay }, released: new Set(), finished: false };
}

/** The phase the tracker is in at `now` (`done` from `max` on, even before the final sync ran). */
export function warmupPhase(s: WarmupState, now: Millis): WarmupPhase {
  if (s.finished || now >= s.startedAt + s.config.maxDelay) return "done";
  return now < s.startedAt + s.config.minDelay ? "hold" : "release";
}

/** Advance the tracker. */
export function warmupStep(
  s: WarmupState,
  ev: WarmupEvent,
  now: Millis,
): { readonly state: WarmupState; readonly actions: readonly WarmupAction[] } {
  if (s.finished) {
    switch (ev.kind) {
      case "tick":
        return { state: s, actions: [] };
      case "sync-vip":
        return { state: s, actions: [{ kind: "sync-vip", frontend: ev.frontend, reason: "live" }] };
      case "sync-all":
        return { state: s, actions: [{ kind: "sync-all", reason: "live" }] };
      default:
        return assertNever(ev, "warmup event");
    }
  }
  const end = millis(s.startedAt + s.config.maxDelay);
  const phase = warmupPhase(s, now);
  if (phase === "done") {
    // The final full sync covers whatever this event asked for.
    return { state: { ...s, finished: true }, actions: [{ kind: "sync-all", reason: "warmup-end" }] };
  }
  if (phase === "hold") {
    const arm: WarmupAction = { kind: "arm", at: millis(s.startedAt + s.config.minDelay) };
    switch (ev.kind) {
      case "tick":
        return { state: s, actions: [arm] };
      case "sync-vip":
        return { state: s, actions: [{ kind: "suppressed", frontend: ev.frontend, reason: "hold" }] };
      case "sync-all":
        return { state: s, actions: [{ kind: "suppressed", reason: "hold" }] };
      default:
        return assertNever(ev, "warmup event");
    }
  }
  const released = new Set(s.released);
  const actions: WarmupAction[] = [];
  const release = (frontend: string): void => {
    released.add(frontend);
    actions.push({ kind: "sync-vip", frontend, reason: "warmup-release" });
  };
  switch (ev.kind) {
    case "tick":
      for (const f of ev.frontends) if (f.allKnown && !released.has(f.frontend)) release(f.frontend);
      actions.push({ kind: "arm", at: millis(Math.min(now + WARMUP_POLL, end)) });
      break;
    case "sync-vip":
      if (released.has(ev.frontend))
        actions.push({ kind: "sync-vip", frontend: ev.frontend, reason: "live" });
      else if (ev.allKnown) release(ev.frontend);
      else actions.push({ kind: "suppressed", frontend: ev.frontend, reason: "not-ready" });
      break;
    case "sync-all":
      // Unreleased VIPs must not be touched (§4.5); the final sync at max covers everyone.
      actions.push({ kind: "suppressed", reason: "warmup" });
      break;
    default:
      return assertNever(ev, "warmup event");
  }
  return { state: { ...s, released }, actions };
}
