/**
 * One actor per BFD session (DESIGN.md, Actors). It owns the core session, its sending socket,
 * counters and transition history; nothing else holds any of it, so list queries fan out to the
 * sessions (the lesson of maghemite PR #689). Packets arrive from the session's listener through
 * this actor's bounded mailbox (drop-newest: a flood cannot grow memory, and the listener counts
 * what it could not deliver); timer fires are system envelopes that the runtime handles before
 * mailbox messages, so a packet flood aimed at this session cannot delay its own timers.
 */
import {
  type BfdAction,
  createSession,
  type Discriminator,
  type ParamChange,
  type ReceivedPacket,
  sessionConfig,
  step,
} from "../../protocols/bfd/index.js";
import { assertNever } from "../../protocols/common/assert-never.js";
import { InvariantError } from "../../protocols/common/domain-error.js";
import type { Micros, Millis, Random } from "../../protocols/common/time.js";
import type { ActorContext, ActorRef, ActorSpec } from "../runtime/index.js";
import { removePeerGauges, setStateGauge } from "./metrics.js";
import {
  armDetect,
  countDrop,
  newShell,
  perform,
  type Shell,
  type ShellDeps,
  snapshot,
  type TimerMsg,
} from "./session-shell.js";
import type { PeerSpec, PeerUpdate, SessionSnapshot } from "./types.js";

/** Messages a session handles. */
export type SessionMsg =
  /** A packet that passed §6.8.6 steps 1–9; `lost` counts packets for us the listener had to drop since the last one. */
  | {
      readonly t: "rx";
      readonly packet: ReceivedPacket;
      readonly ttl: number | undefined;
      readonly lost: number;
    }
  | TimerMsg
  /** A due detect fire, re-queued behind the packets already in the mailbox (see `onTimer`). */
  | { readonly t: "detect-due" }
  | { readonly t: "snapshot"; readonly replyTo: ActorRef<SessionSnapshot> }
  | { readonly t: "update"; readonly change: PeerUpdate; readonly replyTo: ActorRef<SessionSnapshot> }
  /** Deleting the peer: announce AdminDown (§6.8.16) so the peer does not see a failure, then go quiet. */
  | { readonly t: "retire"; readonly replyTo: ActorRef<true> };

/** What a session is started with; `spec` is updated by the session so a restart keeps changes. */
export interface SessionSeed {
  spec: PeerSpec;
  readonly discr: Discriminator;
}

/** Dependencies of every session. */
export interface SessionDeps extends ShellDeps {
  readonly random: Random;
}

/** Mailbox depth: a few packets per session at most are ever in flight (maghemite uses 8). */
export const SESSION_MAILBOX = 32;

function coreConfig(spec: PeerSpec, discr: Discriminator) {
  const r = sessionConfig({
    localDiscr: discr,
    detectMult: spec.detectMult,
    desiredMinTxUs: spec.desiredTxUs,
    requiredMinRxUs: spec.requiredRxUs,
    passive: spec.passive,
    ttl: spec.mode === "SingleHop" ? { kind: "single-hop" } : { kind: "multi-hop", minTtl: spec.minTtl },
    auth:
      spec.auth === null
        ? null
        : {
            type: spec.auth.type,
            keys: [{ id: spec.auth.keyId, secret: spec.auth.secret }],
            txKeyId: spec.auth.keyId,
          },
  });
  // The spec was parsed at the edge (peer-spec.ts), so a failure here is a bug.
  if (!r.ok) throw new InvariantError(`bfd session config rejected: ${r.error.code}`);
  return r.value;
}

function applyUpdate(sh: Shell, deps: SessionDeps, seed: SessionSeed, change: PeerUpdate, ctx: Ctx): void {
  const now = ctx.clock.now();
  const params: ParamChange = {
    desiredMinTx: change.desiredTxUs as Micros | undefined,
    requiredMinRx: change.requiredRxUs as Micros | undefined,
    detectMult: change.detectMult as ParamChange["detectMult"],
    passive: change.passive,
  };
  const actions: BfdAction[] = [];
  if (Object.values(params).some((v) => v !== undefined)) {
    const r = step(sh.core, { kind: "set-params", params }, now);
    sh.core = r.session;
    actions.push(...r.actions);
  }
  if (change.adminDown !== undefined && change.adminDown !== (sh.core.state === "AdminDown")) {
    const r = step(sh.core, { kind: change.adminDown ? "admin-down" : "admin-up" }, now);
    sh.core = r.session;
    actions.push(...r.actions);
  }
  const s = sh.spec;
  sh.spec = {
    ...s,
    requiredRxUs: change.requiredRxUs ?? s.requiredRxUs,
    desiredTxUs: change.desiredTxUs ?? s.desiredTxUs,
    detectMult: change.detectMult ?? s.detectMult,
    passive: change.passive ?? s.passive,
    adminDown: change.adminDown ?? s.adminDown,
  };
  seed.spec = sh.spec;
  perform(sh, deps, actions, ctx.timers, now, ctx.log);
}

type Ctx = ActorContext<SessionMsg>;

const DETECT_DUE: SessionMsg = Object.freeze({ t: "detect-due" as const });

/**
 * Judge the detect deadline. `queued` is false for a fire straight from the timer: timer fires
 * are handled before mailbox messages, so packets that arrived while the event loop was stalled
 * may sit in the mailbox unseen, and §6.8.4 counts packets received, not packets handled. Such
 * a fire is re-queued once at the mailbox's tail (`detect-due`) and judged after those packets.
 * A full mailbox refuses it; then we judge at once (a flood is filling the mailbox and
 * junk must not be able to postpone detection).
 */
function onDetect(sh: Shell, deps: SessionDeps, ctx: Ctx, queued: boolean): void {
  const now = ctx.clock.now();
  const d = sh.detect;
  if (d === null) return;
  if (now < d.at) {
    // Fired early (the deadline moved later since the OS timer was set): wait for the rest.
    armDetect(sh, ctx.timers, now);
    return;
  }
  if (!queued && ctx.self.tell(DETECT_DUE).delivered) return;
  const r = step(sh.core, { kind: "timer", timer: "detect", gen: d.gen }, now);
  sh.core = r.session;
  perform(sh, deps, r.actions, ctx.timers, now, ctx.log);
}

function onTimer(sh: Shell, deps: SessionDeps, m: TimerMsg, ctx: Ctx): void {
  if (m.timer === "detect") {
    sh.detectArmedAt = null;
    onDetect(sh, deps, ctx, false);
    return;
  }
  const now = ctx.clock.now();
  const r = step(sh.core, { kind: "timer", timer: m.timer, gen: m.gen }, now);
  sh.core = r.session;
  perform(sh, deps, r.actions, ctx.timers, now, ctx.log);
}

/** The actor spec of one session. */
export function sessionActor(seed: SessionSeed, deps: SessionDeps): ActorSpec<SessionMsg, Shell> {
  return {
    kind: "bfd-session",
    mailbox: { capacity: SESSION_MAILBOX, overflow: "drop-newest" },
    init(ctx) {
      const now = ctx.clock.now();
      const created = createSession(coreConfig(seed.spec, seed.discr), now, deps.random);
      const sh = newShell(seed.spec, created.session, now);
      setStateGauge(deps.metrics, sh.spec.peer, "Down");
      const actions: BfdAction[] = [...created.actions];
      if (seed.spec.adminDown) {
        const r = step(sh.core, { kind: "admin-down" }, now);
        sh.core = r.session;
        actions.push(...r.actions);
      }
      perform(sh, deps, actions, ctx.timers, now, ctx.log);
      return sh;
    },
    receive(sh, m, ctx) {
      switch (m.t) {
        case "rx": {
          if (sh.retired) return sh;
          const now = ctx.clock.now();
          sh.received += 1;
          deps.metrics.received.inc({ peer: sh.spec.peer });
          if (m.lost > 0) countDrop(sh, deps, "queue-full", m.lost);
          const r = step(sh.core, { kind: "rx", packet: m.packet, ttl: m.ttl }, now);
          sh.core = r.session;
          perform(sh, deps, r.actions, ctx.timers, now, ctx.log);
          return sh;
        }
        case "timer":
          if (!sh.retired) onTimer(sh, deps, m, ctx);
          return sh;
        case "detect-due":
          if (!sh.retired) onDetect(sh, deps, ctx, true);
          return sh;
        case "snapshot":
          m.replyTo.tell(snapshot(sh, ctx.clock.now()));
          return sh;
        case "update":
          if (!sh.retired) applyUpdate(sh, deps, seed, m.change, ctx);
          m.replyTo.tell(snapshot(sh, ctx.clock.now()));
          return sh;
        case "retire": {
          if (!sh.retired) {
            const now = ctx.clock.now() as Millis;
            if (sh.core.state !== "AdminDown") {
              const r = step(sh.core, { kind: "admin-down" }, now);
              sh.core = r.session;
              perform(sh, deps, r.actions, ctx.timers, now, ctx.log);
            }
            sh.retired = true;
            ctx.timers.cancel("tx");
            ctx.timers.cancel("detect");
          }
          m.replyTo.tell(true);
          return sh;
        }
        default:
          return assertNever(m, "bfd session message");
      }
    },
    stop(sh) {
      sh.sender?.close();
      sh.sender = null;
      if (sh.retired) removePeerGauges(deps.metrics, sh.spec.peer);
    },
  };
}
