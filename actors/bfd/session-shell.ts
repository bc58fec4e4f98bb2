/**
 * A session actor's private state and the performing of core actions (style guide rule 14: the
 * shell turns actions into I/O, timers, counters, metrics and logs; the RFC logic is all in
 * `protocols/bfd`). Kept apart from the message handling in `session-actor.ts`.
 *
 * Timers. `tx` maps one-to-one onto a runtime timer carrying the core's generation. `detect` is
 * lazy: the core re-arms it on every accepted packet (§6.8.6 step 21 moves the deadline), and
 * resetting an OS timer per packet is the single largest cost at scale; so the shell remembers
 * the latest deadline and keeps the OS timer at the earliest one, re-arming for the remainder
 * when it fires early. A detection therefore fires at the latest deadline exactly as armed.
 */
import type { Logger } from "pino";
import {
  type BfdAction,
  detectionTimeMs,
  type Session,
  type SessionState,
  txIntervalMs,
} from "../../protocols/bfd/index.js";
import { assertNever } from "../../protocols/common/assert-never.js";
import type { Millis } from "../../protocols/common/time.js";
import type { BfdTransport, SenderSocket } from "../../dataplane/bfd/index.js";
import type { ActorRef, Timers } from "../runtime/index.js";
import { type BfdMetrics, diagName, setStateGauge } from "./metrics.js";
import type { HistoryEntry, PeerSpec, SessionSnapshot } from "./types.js";

/** A timer fire delivered to the session (the detect generation is looked up, not carried). */
export type TimerMsg = { readonly t: "timer"; readonly timer: "tx" | "detect"; readonly gen: number };

/** What a session shell needs from outside. */
export interface ShellDeps {
  readonly transport: BfdTransport;
  readonly metrics: BfdMetrics;
  readonly historyLimit: number;
  readonly wallClock: () => Date;
  /** Destination UDP port for a mode (3784 / 4784, RFC 5881 §4 / RFC 5883 §5). */
  readonly port: (mode: PeerSpec["mode"]) => number;
}

/** Mutable per-incarnation state; only the owning actor touches it. */
export interface Shell {
  spec: PeerSpec;
  core: Session;
  /** Monotonic instant the current state was entered. */
  since: Millis;
  sender: SenderSocket | null;
  sent: number;
  received: number;
  sendFailures: number;
  transitions: number;
  flaps: number;
  pollsCompleted: number;
  readonly drops: Map<string, number>;
  readonly history: HistoryEntry[];
  /** The core's latest detect deadline and generation. */
  detect: { at: Millis; gen: number } | null;
  /** When the OS timer for `detect` will fire, null when none is pending. */
  detectArmedAt: number | null;
  /** Last exported interval gauges (to skip redundant sets). */
  gaugeTx: number;
  gaugeDetect: number | null;
  retired: boolean;
  /** Whom to answer when the retire hold ends (`session-actor.ts`); null when not holding. */
  retireReply: ActorRef<true> | null;
}

/** Count one discarded packet. */
export function countDrop(sh: Shell, deps: ShellDeps, reason: string, n = 1): void {
  sh.drops.set(reason, (sh.drops.get(reason) ?? 0) + n);
  deps.metrics.drops.inc({ peer: sh.spec.peer, reason }, n);
}

function transmit(sh: Shell, deps: ShellDeps, bytes: Uint8Array, log: Logger): void {
  if (sh.retired && sh.sender === null) return;
  if (sh.sender === null) {
    const s = deps.transport.sender({
      family: sh.spec.family,
      local: sh.spec.listen,
      peer: sh.spec.peer,
      port: deps.port(sh.spec.mode),
    });
    if (!s.ok) {
      sh.sendFailures += 1;
      deps.metrics.sendFailures.inc({ peer: sh.spec.peer });
      log.warn({ code: s.error.code, err: s.error.message }, "cannot bind a BFD source port");
      return;
    }
    sh.sender = s.value;
  }
  const r = sh.sender.send(bytes);
  if (r.ok) {
    sh.sent += 1;
    deps.metrics.sent.inc({ peer: sh.spec.peer });
    return;
  }
  // maghemite's egress rule: a failed send drops the socket; the next packet rebinds on a new port.
  sh.sendFailures += 1;
  deps.metrics.sendFailures.inc({ peer: sh.spec.peer });
  log.warn({ code: r.error.code, err: r.error.message }, "BFD send failed; rebinding");
  sh.sender.close();
  sh.sender = null;
}

/** Arm the OS timer for the detect deadline unless an earlier fire is already pending. */
export function armDetect(sh: Shell, timers: Timers<TimerMsg>, now: Millis): void {
  const d = sh.detect;
  if (d === null) return;
  if (sh.detectArmedAt !== null && sh.detectArmedAt <= d.at) return;
  sh.detectArmedAt = d.at;
  timers.arm("detect", Math.max(0, d.at - now), { t: "timer", timer: "detect", gen: 0 });
}

function onTransition(
  sh: Shell,
  deps: ShellDeps,
  a: Extract<BfdAction, { kind: "transition" }>,
  now: Millis,
  log: Logger,
): void {
  sh.history.push({
    at: deps.wallClock().toISOString(),
    atMono: now,
    from: a.from,
    to: a.to,
    diag: a.diag,
    reason: a.reason,
  });
  if (sh.history.length > deps.historyLimit) sh.history.shift();
  sh.transitions += 1;
  if (a.from === "Up" && a.to === "Down") sh.flaps += 1;
  sh.since = now;
  deps.metrics.transitions.inc({ peer: sh.spec.peer, to: a.to, diag: diagName(a.diag) });
  setStateGauge(deps.metrics, sh.spec.peer, a.to);
  log.info({ from: a.from, to: a.to, diag: a.diag, reason: a.reason }, "BFD session state changed");
}

/** Perform the core's actions in order (protocols/bfd/index.ts, step 5 of the recipe). */
export function perform(
  sh: Shell,
  deps: ShellDeps,
  actions: readonly BfdAction[],
  timers: Timers<TimerMsg>,
  now: Millis,
  log: Logger,
): void {
  for (const a of actions) {
    switch (a.kind) {
      case "send":
        transmit(sh, deps, a.bytes, log);
        break;
      case "arm":
        if (a.timer === "tx") {
          timers.arm("tx", Math.max(0, a.at - now), { t: "timer", timer: "tx", gen: a.gen });
        } else {
          sh.detect = { at: a.at, gen: a.gen };
          armDetect(sh, timers, now);
        }
        break;
      case "cancel":
        // A pending detect fire finds `detect` null and does nothing.
        if (a.timer === "tx") timers.cancel("tx");
        else sh.detect = null;
        break;
      case "transition":
        onTransition(sh, deps, a, now, log);
        break;
      case "discard":
        countDrop(sh, deps, a.discard.code);
        break;
      case "poll":
        if (a.event === "completed") sh.pollsCompleted += 1;
        log.debug({ event: a.event }, "BFD poll sequence");
        break;
      default:
        assertNever(a, "bfd action");
    }
  }
  exportIntervals(sh, deps);
}

function exportIntervals(sh: Shell, deps: ShellDeps): void {
  const tx = txIntervalMs(sh.core);
  if (tx !== sh.gaugeTx) {
    sh.gaugeTx = tx;
    deps.metrics.txInterval.set({ peer: sh.spec.peer }, tx / 1000);
  }
  const dt = detectionTimeMs(sh.core);
  if (dt !== sh.gaugeDetect) {
    sh.gaugeDetect = dt;
    if (dt === null) deps.metrics.detectionTime.remove({ peer: sh.spec.peer });
    else deps.metrics.detectionTime.set({ peer: sh.spec.peer }, dt / 1000);
  }
}

/** A fresh shell around a new core session. */
export function newShell(spec: PeerSpec, core: Session, now: Millis): Shell {
  return {
    spec,
    core,
    since: now,
    sender: null,
    sent: 0,
    received: 0,
    sendFailures: 0,
    transitions: 0,
    flaps: 0,
    pollsCompleted: 0,
    drops: new Map(),
    history: [],
    detect: null,
    detectArmedAt: null,
    gaugeTx: -1,
    gaugeDetect: -1,
    retired: false,
    retireReply: null,
  };
}

/** The session as the API shows it. */
export function snapshot(sh: Shell, now: Millis): SessionSnapshot {
  const c = sh.core;
  const dt = detectionTimeMs(c);
  const state: SessionState = c.state;
  return {
    spec: sh.spec,
    state,
    localDiscr: c.config.localDiscr,
    remoteDiscr: c.remote.discr,
    localDiag: c.diag,
    remoteState: c.remote.state,
    remoteDiag: c.remote.diag,
    stateDurationMs: Math.max(0, now - sh.since),
    txIntervalUs: Math.round(txIntervalMs(c) * 1000),
    detectionTimeUs: dt === null ? null : Math.round(dt * 1000),
    remote: {
      desiredMinTxUs: c.remote.desiredMinTx,
      requiredMinRxUs: c.remote.minRx,
      detectMult: c.remote.detectMult,
      demand: c.remote.demand,
    },
    pollInProgress: c.poll !== null,
    sourcePort: sh.sender?.sourcePort ?? null,
    counters: {
      sent: sh.sent,
      received: sh.received,
      sendFailures: sh.sendFailures,
      transitions: sh.transitions,
      flaps: sh.flaps,
      pollsCompleted: sh.pollsCompleted,
      drops: Object.fromEntries(sh.drops),
    },
    history: [...sh.history],
  };
}
