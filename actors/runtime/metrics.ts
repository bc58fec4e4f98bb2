/**
 * The actor runtime's metric catalogue (style guide rules 33–34). Restarts,
 * crashes, the last crash reason, drops by reason, mailbox depth (computed at
 * scrape time from the live actors), handling time, and event-loop lag
 * (`monitorEventLoopDelay`, which samples the loop on a libuv timer and so
 * sees a starved loop that an in-process timestamp could not).
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Registry } from "prom-client";
import { metricFactory } from "./metrics-catalogue.js";

/**
 * Why a message was not handled. A closed union so the label's cardinality is fixed.
 * - `stopped`: told to a stopped actor, or still queued when the actor stopped.
 * - `mailbox-full`: the newest message, refused by a full `drop-newest` mailbox.
 * - `mailbox-evicted`: the oldest message, evicted by a full `drop-oldest` mailbox.
 * - `stale-timer`: a timer fire whose generation was superseded by re-arm or cancel.
 * - `late-reply`: a reply to an `ask` that had already timed out.
 * - `crashed`: the message whose handler threw.
 */
export type DropReason =
  | "stopped"
  | "mailbox-full"
  | "mailbox-evicted"
  | "stale-timer"
  | "late-reply"
  | "crashed";

/** Scrape-time view of one live actor, supplied by the actor system. */
export interface ActorSample {
  readonly kind: string;
  readonly status: "running" | "restarting" | "stopped";
  readonly mailboxDepth: number;
}

/** Buckets for message handling time: 10 µs … 10 s (most handlers are a pure `step`). */
const HANDLING_BUCKETS = [1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 0.01, 0.05, 0.1, 0.5, 1, 5, 10] as const;

/**
 * Build the runtime catalogue on `registry`. `sample` is called at scrape time
 * and must be cheap (one pass over the actors).
 */
export function createRuntimeMetrics(registry: Registry, sample: () => Iterable<ActorSample> = () => []) {
  const f = metricFactory(registry);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let source = sample;
  // Which reason each kind last crashed with, so the info gauge keeps one series per kind.
  const lastReason = new Map<string, string>();

  const lastCrash = f.gauge<{ kind: string; reason: string }>({
    name: "magnetite_actor_last_crash_info",
    help: "Unix time (seconds) of the last crash of an actor of this kind; the reason label is the error code or name",
    labelNames: ["kind", "reason"],
  });

  return {
    restarts: f.counter<{ kind: string }>({
      name: "magnetite_actor_restarts_total",
      help: "Actor restarts performed by supervisors",
      labelNames: ["kind"],
    }),
    crashes: f.counter<{ kind: string }>({
      name: "magnetite_actor_crashes_total",
      help: "Exceptions thrown by actor init or receive",
      labelNames: ["kind"],
    }),
    dropped: f.counter<{ kind: string; reason: DropReason }>({
      name: "magnetite_actor_dropped_messages_total",
      help: "Messages not handled, by reason",
      labelNames: ["kind", "reason"],
    }),
    handling: f.histogram<{ kind: string }>({
      name: "magnetite_actor_message_handling_seconds",
      help: "Time spent in an actor's receive per message, including awaited work",
      labelNames: ["kind"],
      buckets: HANDLING_BUCKETS,
    }),
    mailboxDepth: f.gauge<{ kind: string }>({
      name: "magnetite_actor_mailbox_depth",
      help: "Messages queued for actors of this kind (sum over actors), at scrape time",
      labelNames: ["kind"],
      collect: (g) => {
        g.reset();
        const sums = new Map<string, number>();
        for (const a of source()) sums.set(a.kind, (sums.get(a.kind) ?? 0) + a.mailboxDepth);
        for (const [kind, depth] of sums) g.set({ kind }, depth);
      },
    }),
    actors: f.gauge<{ kind: string; status: ActorSample["status"] }>({
      name: "magnetite_actors",
      help: "Actors by kind and status, at scrape time",
      labelNames: ["kind", "status"],
      collect: (g) => {
        g.reset();
        const counts = new Map<string, { kind: string; status: ActorSample["status"]; n: number }>();
        for (const a of source()) {
          const key = `${a.kind}\u0000${a.status}`;
          const c = counts.get(key);
          if (c === undefined) counts.set(key, { kind: a.kind, status: a.status, n: 1 });
          else c.n += 1;
        }
        for (const c of counts.values()) g.set({ kind: c.kind, status: c.status }, c.n);
      },
    }),
    eventLoopLag: f.gauge<{ stat: "mean" | "p50" | "p99" | "max" }>({
      name: "magnetite_event_loop_lag_seconds",
      help: "Event-loop delay since the previous scrape (monitorEventLoopDelay, 10 ms resolution)",
      labelNames: ["stat"],
      collect: (g) => {
        // The histogram reports nanoseconds; it is NaN/0 before the first sample.
        const s = (ns: number): number => (Number.isFinite(ns) ? ns / 1e9 : 0);
        g.set({ stat: "mean" }, s(loop.mean));
        g.set({ stat: "p50" }, s(loop.percentile(50)));
        g.set({ stat: "p99" }, s(loop.percentile(99)));
        g.set({ stat: "max" }, s(loop.max));
        loop.reset();
      },
    }),
    /** Record a crash: one `last_crash_info` series per kind, holding the newest reason. */
    recordCrash(kind: string, reason: string, unixSeconds: number): void {
      const prev = lastReason.get(kind);
      if (prev !== undefined && prev !== reason) lastCrash.remove({ kind, reason: prev });
      lastReason.set(kind, reason);
      lastCrash.set({ kind, reason }, unixSeconds);
    },
    lastCrash,
    /** Point the scrape-time gauges at a (new) actor population. */
    setSource(next: () => Iterable<ActorSample>): void {
      source = next;
    },
    /** Stop the event-loop monitor (called by `ActorSystem.stop`). */
    close(): void {
      loop.disable();
    },
  };
}

/** The runtime catalogue's type, derived rather than written twice (rule 33). */
export type RuntimeMetrics = ReturnType<typeof createRuntimeMetrics>;
