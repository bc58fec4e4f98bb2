/**
 * One actor per BFD session (DESIGN.md, Actors). It owns the core session, its sending socket,
 * counters and transition history; nothing else holds any of it, so list queries fan out to the
 * sessions (the lesson of maghemite PR #689). Packets arrive from the session's listener through
 * its bounded inbox (`rx-inbox.ts`; a flood cannot grow memory, and what did not fit is counted
 * as `queue-full`), announced by one `rx-ready` message however many wait. Timer fires are
 * system envelopes that the runtime handles before mailbox messages, so a flood aimed at this
 * session cannot delay its own timers; each fire drains the inbox first, so a packet that reached
 * the session before a fire is never judged after it.
 */
import {
  type BfdAction,
  createSession,
  type Discriminator,
  type ParamChange,
  retireHoldMs,
  sessionConfig,
  step,
} from "../../protocols/bfd/index.js";
import { assertNever } from "../../protocols/common/assert-never.js";
import { InvariantError } from "../../protocols/common/domain-error.js";
import type { Micros, Millis, Random } from "../../protocols/common/time.js";
import type { ActorContext, ActorRef, ActorSpec } from "../runtime/index.js";
import { removePeerGauges, setStateGauge } from "./metrics.js";
import type { RxInbox } from "./rx-inbox.js";
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
  /** Packets that passed §6.8.6 steps 1–9 wait in the session's inbox. */
  | { readonly t: "rx-ready" }
  | TimerMsg
  | { readonly t: "snapshot"; readonly replyTo: ActorRef<SessionSnapshot> }
  | { readonly t: "update"; readonly change: PeerUpdate; readonly replyTo: ActorRef<SessionSnapshot> }
  /**
   * Deleting the peer (`hold`: true) or stopping the daemon (`hold`: false): announce AdminDown
   * (§6.8.16) so the peer does not see a failure. With `hold` the session keeps sending its
   * periodic AdminDown packets for `retireHoldMs` (a Detection Time) before going quiet and
   * answering; without, it answers once the first AdminDown packet is out.
   */
  | { readonly t: "retire"; readonly hold: boolean; readonly replyTo: ActorRef<true> }
  /** The retire hold is over. */
  | { readonly t: "retired" };

/** What a session is started with; `spec` is updated by the session so a restart keeps changes. */
export interface SessionSeed {
  spec: PeerSpec;
  readonly discr: Discriminator;
  /** Where the listener leaves this session's packets; outlives restarts of either actor. */
  readonly inbox: RxInbox;
  /**
   * Set by the supervisor when the peer is deleted: an incarnation restarted after a crash
   * during the retire hold stays quiet (the one before announced AdminDown) until it is stopped,
   * instead of bringing a deleted peer's session up again.
   */
  retiring?: boolean;
}

/** Dependencies of every session. */
export interface SessionDeps extends ShellDeps {
  readonly random: Random;
}

/** Mailbox depth: queries, updates and at most a couple of `rx-ready` wake-ups. */
export const SESSION_MAILBOX = 32;

/**
 * Packets that may wait in a session's inbox. A session is woken within one turn of the event
 * loop, so this is how long a stall it absorbs: 64 packets at a 10 ms interval is 640 ms, longer
 * than the Detection Time such a session runs with. maghemite bounds its channel at 8 packets;
 * we keep more because packets are cheap here (one object each) and a drop is a false Down.
 */
export const SESSION_RX_QUEUE = 64;

/** The wake-up the listener sends when the inbox becomes non-empty. */
export const RX_READY: SessionMsg = Object.freeze({ t: "rx-ready" as const });

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

/**
 * Step every packet waiting in the inbox (§6.8.6 steps 10–21), oldest first, and count what
 * the inbox had to refuse. All packets of one drain share one `now`: they were all received by
 * the time this turn began.
 */
function drainInbox(sh: Shell, deps: SessionDeps, inbox: RxInbox, ctx: Ctx): void {
  const now = ctx.clock.now();
  const refused = inbox.drain((packet, ttl) => {
    if (sh.retired) return;
    sh.received += 1;
    deps.metrics.received.inc({ peer: sh.spec.peer });
    const r = step(sh.core, { kind: "rx", packet, ttl }, now);
    sh.core = r.session;
    perform(sh, deps, r.actions, ctx.timers, now, ctx.log);
  });
  if (refused > 0 && !sh.retired) countDrop(sh, deps, "queue-full", refused);
}

function ignore(): void {}

/**
 * A timer fired. Packets that reached the inbox before this fire is handled are stepped first:
 * timer fires overtake mailbox messages, and after a stall of the event loop they would
 * otherwise judge the Detection Time on packets already received but not yet seen (§6.8.4
 * counts packets received), turning every deadline inside the stall into a false Down.
 */
function onTimer(sh: Shell, deps: SessionDeps, inbox: RxInbox, m: TimerMsg, ctx: Ctx): void {
  drainInbox(sh, deps, inbox, ctx);
  const now = ctx.clock.now();
  let gen = m.gen;
  if (m.timer === "detect") {
    sh.detectArmedAt = null;
    const d = sh.detect;
    if (d === null) return;
    if (now < d.at) {
      // Fired early (the deadline moved later since the OS timer was set): wait for the rest.
      armDetect(sh, ctx.timers, now);
      return;
    }
    gen = d.gen;
  }
  const r = step(sh.core, { kind: "timer", timer: m.timer, gen }, now);
  sh.core = r.session;
  perform(sh, deps, r.actions, ctx.timers, now, ctx.log);
}

/** The actor spec of one session. */
export function sessionActor(seed: SessionSeed, deps: SessionDeps): ActorSpec<SessionMsg, Shell> {
  return {
    kind: "bfd-session",
    mailbox: { capacity: SESSION_MAILBOX, overflow: "drop-newest" },
    init(ctx) {
      // Packets left over from a previous incarnation were meant for a session state that is gone.
      seed.inbox.clear();
      const now = ctx.clock.now();
      const created = createSession(coreConfig(seed.spec, seed.discr), now, deps.random);
      const sh = newShell(seed.spec, created.session, now);
      if (seed.retiring === true) {
        sh.retired = true;
        return sh;
      }
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
        case "rx-ready":
          drainInbox(sh, deps, seed.inbox, ctx);
          return sh;
        case "timer":
          if (!sh.retired) onTimer(sh, deps, seed.inbox, m, ctx);
          else {
            seed.inbox.drain(ignore);
            // Holding after a retire: keep the periodic AdminDown packets going, nothing else.
            if (m.timer === "tx" && sh.retireReply !== null) {
              const now = ctx.clock.now();
              const r = step(sh.core, { kind: "timer", timer: "tx", gen: m.gen }, now);
              sh.core = r.session;
              perform(sh, deps, r.actions, ctx.timers, now, ctx.log);
            }
          }
          return sh;
        case "snapshot":
          m.replyTo.tell(snapshot(sh, ctx.clock.now()));
          return sh;
        case "update":
          if (!sh.retired) applyUpdate(sh, deps, seed, m.change, ctx);
          m.replyTo.tell(snapshot(sh, ctx.clock.now()));
          return sh;
        case "retire": {
          if (sh.retired) {
            m.replyTo.tell(true);
            return sh;
          }
          const now = ctx.clock.now() as Millis;
          if (sh.core.state !== "AdminDown") {
            const r = step(sh.core, { kind: "admin-down" }, now);
            sh.core = r.session;
            perform(sh, deps, r.actions, ctx.timers, now, ctx.log);
          }
          const holdMs = m.hold ? retireHoldMs(sh.core, now) : 0;
          sh.retired = true;
          sh.detect = null;
          ctx.timers.cancel("detect");
          if (holdMs === 0) {
            ctx.timers.cancel("tx");
            m.replyTo.tell(true);
          } else {
            sh.retireReply = m.replyTo;
            ctx.timers.arm("retire", holdMs, { t: "retired" });
            ctx.log.debug({ holdMs }, "BFD session retiring: sending AdminDown for a detection time");
          }
          return sh;
        }
        case "retired":
          ctx.timers.cancel("tx");
          sh.retireReply?.tell(true);
          sh.retireReply = null;
          return sh;
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
