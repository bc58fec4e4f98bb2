/**
 * One listener actor per (local address, UDP port): it owns the listening socket shared by every
 * session on that address (maghemite's dispatcher, ddm-bfd-maghemite.md §2.3) and its demultiplexing
 * table. Datagrams are handled in the socket's callback, not queued in this actor's mailbox: the
 * session-independent checks (RFC 5880 §6.8.6 steps 1–6, 8) and the demultiplexing (steps 7, 9:
 * by Your Discriminator, or by source address — which carries the arrival interface for
 * link-local IPv6 — when it is zero) cost a few microseconds, and junk dies here, counted,
 * before it can occupy any queue. A packet for a session goes into that session's bounded inbox
 * (`rx-inbox.ts`), which wakes the session with one message however many packets wait; a full
 * inbox refuses the packet and the session counts it (`queue-full`) at its next drain.
 * The table itself changes only through this actor's messages.
 *
 * Deleted sessions. The supervisor unregisters a deleted peer's session at once (`unregister`),
 * although the session goes on holding in AdminDown for about a Detection Time (RFC 5880
 * §6.8.16, `retireHoldMs`, at most 30 s) while the remote keeps sending to it; after the hold
 * (`retired`) the remote still names our discriminator until its own Detection Time of us
 * expires (§6.8.1), then sends from the same address with Your Discriminator 0. That is the
 * expected tail of a planned deletion, not junk: the listener keeps a tombstone of each
 * unregistered route (its discriminator and peer address, no session state) and counts a packet
 * only a tombstone matches as `retired-session` instead of `YOUR_DISCR_UNKNOWN` / `NO_SESSION`,
 * the reasons operators alert on. Counted here rather than delivered to the retiring session:
 * that session discards whatever it receives anyway; it is stopped while the remote's tail still
 * arrives, so a table here is needed regardless; and keeping its route would keep the listener
 * (and its socket) open past its last live session and contest the address route of a peer
 * re-added during the hold. A tombstone lives through the hold, then for as long again as the
 * hold lasted (the hold is at least the remote's Detection Time of us) plus 1 s for delays, and
 * never longer than `RETIRED_GRACE_MAX_MS` (measured on the actors' clock); at most
 * `RETIRED_MAX` are kept. A discriminator that never existed, or whose tombstone expired,
 * counts as before.
 */
import { parseReceived, RETIRE_HOLD_MAX_MS, selectSession } from "../../protocols/bfd/index.js";
import { assertNever } from "../../protocols/common/assert-never.js";
import type { Millis } from "../../protocols/common/time.js";
import type { BfdTransport, ListenerSocket, ListenOptions } from "../../dataplane/bfd/index.js";
import type { ActorContext, ActorRef, ActorSpec, Clock } from "../runtime/index.js";
import type { BfdMetrics } from "./metrics.js";
import type { RxInbox } from "./rx-inbox.js";
import { RX_READY, type SessionMsg } from "./session-actor.js";

/** Messages a listener handles. */
export type ListenerMsg =
  | {
      readonly t: "register";
      readonly discr: number;
      readonly peer: string;
      readonly session: ActorRef<SessionMsg>;
      readonly inbox: RxInbox;
    }
  /** The peer is deleted: its session starts its retire hold (a tombstone is left, see above). */
  | { readonly t: "unregister"; readonly discr: number; readonly peer: string }
  /** The retire hold of that session is over: its tombstone lives on for the grace only. */
  | { readonly t: "retired"; readonly discr: number }
  | { readonly t: "stats"; readonly replyTo: ActorRef<ListenerStats> }
  /** Forget expired tombstones (this actor's own timer). */
  | { readonly t: "sweep" };

/** The listener drop reason for packets addressed to a deleted peer's session (see the header). */
export const RETIRED_SESSION_DROP = "retired-session";

/** In-flight allowance added to the grace after a hold: network and event-loop delays. */
export const RETIRED_GRACE_SLACK_MS = 1000;

/**
 * Longest a tombstone lives. After the hold it lives for as long again as the hold lasted (the
 * remote names our discriminator until its Detection Time of us, which the hold is at least,
 * expires after our last AdminDown) plus the slack, both holds capped at `RETIRE_HOLD_MAX_MS`;
 * this cap also ends a tombstone whose `retired` never comes (the supervisor's ask failed).
 */
export const RETIRED_GRACE_MAX_MS = 2 * RETIRE_HOLD_MAX_MS + RETIRED_GRACE_SLACK_MS;

/** Most tombstones kept per listener; beyond it the oldest goes (its packets count as before). */
export const RETIRED_MAX = 4096;

/** A listener's counters. */
export interface ListenerStats {
  readonly key: string;
  readonly sessions: number;
  readonly received: number;
  readonly drops: Readonly<Record<string, number>>;
  /** Tombstones of deleted sessions kept (expired ones may linger until the next sweep). */
  readonly retired: number;
}

interface Route {
  readonly session: ActorRef<SessionMsg>;
  readonly inbox: RxInbox;
}

/**
 * What the listener remembers of an unregistered route: only the keys it routed by and when
 * they stop mattering. No session state; the session actor keeps that.
 */
interface Tombstone {
  readonly discr: number;
  /** Null when the peer's address route had already passed to another session. */
  readonly peer: string | null;
  /** When the route was unregistered (the hold began). */
  readonly since: Millis;
  /** When it expires. */
  until: Millis;
}

interface ListenerState {
  readonly socket: ListenerSocket;
  readonly byDiscr: Map<number, Route>;
  readonly byPeer: Map<string, Route>;
  readonly drops: Map<string, number>;
  /** Tombstones by discriminator, oldest first (insertion order). */
  readonly retiredByDiscr: Map<number, Tombstone>;
  readonly retiredByPeer: Map<string, Tombstone>;
  /** When the sweep timer is due, null when none is armed. */
  sweepAt: Millis | null;
}

/** How a listener is started. `socket` is the one the supervisor bound (so a bind error reaches the API). */
export interface ListenerSeed {
  readonly key: string;
  readonly options: ListenOptions;
  socket: ListenerSocket | null;
  /** Told after a restart so the supervisor re-registers this listener's sessions. */
  readonly onRestart: () => void;
}

/** Dependencies of a listener. */
export interface ListenerDeps {
  readonly transport: BfdTransport;
  readonly metrics: BfdMetrics;
}

function forget(st: ListenerState, t: Tombstone): void {
  if (st.retiredByDiscr.get(t.discr) === t) st.retiredByDiscr.delete(t.discr);
  if (t.peer !== null && st.retiredByPeer.get(t.peer) === t) st.retiredByPeer.delete(t.peer);
}

/** A live tombstone, or undefined (an expired one is forgotten on the way). */
function live(st: ListenerState, t: Tombstone | undefined, now: Millis): Tombstone | undefined {
  if (t === undefined) return undefined;
  if (t.until > now) return t;
  forget(st, t);
  return undefined;
}

function install(st: ListenerState, key: string, metrics: BfdMetrics, clock: Clock): void {
  const drop = (reason: string): void => {
    st.drops.set(reason, (st.drops.get(reason) ?? 0) + 1);
    metrics.listenerDrops.inc({ listener: key, reason });
  };
  st.socket.handler = (d) => {
    const p = parseReceived(d.data);
    if (!p.ok) return drop(p.error.code);
    const s = selectSession(
      p.value,
      (discr) => st.byDiscr.get(discr),
      () => st.byPeer.get(d.address),
    );
    if (!s.ok) {
      // Only packets selection would have routed to a deleted session, had it still been here.
      const t =
        s.error.code === "YOUR_DISCR_UNKNOWN"
          ? st.retiredByDiscr.get(p.value.yourDiscr)
          : s.error.code === "NO_SESSION"
            ? st.retiredByPeer.get(d.address)
            : undefined;
      return drop(live(st, t, clock.now()) === undefined ? s.error.code : RETIRED_SESSION_DROP);
    }
    const route = s.value;
    if (route.inbox.offer(p.value, d.ttl) === "wake" && !route.session.tell(RX_READY).delivered) {
      // The session's mailbox is full or it is restarting: the packets wait for its next drain
      // (every timer fire drains too), and the next packet asks again.
      route.inbox.wakeFailed();
    }
  };
}

type Ctx = ActorContext<ListenerMsg>;

/** Have the sweep timer fire by `at` (a tombstone's expiry). */
function sweepBy(st: ListenerState, at: Millis, ctx: Ctx): void {
  if (st.sweepAt !== null && st.sweepAt <= at) return;
  st.sweepAt = at;
  ctx.timers.arm("sweep", Math.max(0, at - ctx.clock.now()), { t: "sweep" });
}

/** The sweep timer fired: forget expired tombstones and wait for the earliest remaining one. */
function sweep(st: ListenerState, ctx: Ctx): void {
  st.sweepAt = null;
  // Timers may fire up to `earlyMs` early; what is due within that goes now (no re-arm loop).
  const now = ctx.clock.now() + (ctx.clock.earlyMs ?? 0);
  let next: Millis | null = null;
  for (const t of st.retiredByDiscr.values()) {
    if (t.until <= now) forget(st, t);
    else if (next === null || t.until < next) next = t.until;
  }
  if (next !== null) sweepBy(st, next, ctx);
}

function entomb(st: ListenerState, discr: number, peer: string, ctx: Ctx): void {
  const route = st.byDiscr.get(discr);
  st.byDiscr.delete(discr);
  // The address route is this session's unless a newer registration took it over.
  const ownsPeer = route !== undefined && st.byPeer.get(peer) === route;
  if (ownsPeer) st.byPeer.delete(peer);
  const now = ctx.clock.now();
  const old = st.retiredByDiscr.get(discr);
  if (old !== undefined) forget(st, old);
  const t: Tombstone = {
    discr,
    peer: ownsPeer ? peer : null,
    since: now,
    until: (now + RETIRED_GRACE_MAX_MS) as Millis,
  };
  st.retiredByDiscr.set(discr, t);
  if (t.peer !== null) st.retiredByPeer.set(t.peer, t);
  for (const oldest of st.retiredByDiscr.values()) {
    if (st.retiredByDiscr.size <= RETIRED_MAX) break;
    forget(st, oldest);
  }
  sweepBy(st, t.until, ctx);
}

/** The hold is over: keep the tombstone for as long as the hold lasted, plus slack. */
function shorten(st: ListenerState, discr: number, ctx: Ctx): void {
  const t = st.retiredByDiscr.get(discr);
  if (t === undefined) return;
  const now = ctx.clock.now();
  const hold = Math.min(Math.max(0, now - t.since), RETIRE_HOLD_MAX_MS);
  t.until = Math.min(t.until, now + hold + RETIRED_GRACE_SLACK_MS) as Millis;
  sweepBy(st, t.until, ctx);
}

/** The actor spec of one listener. */
export function listenerActor(seed: ListenerSeed, deps: ListenerDeps): ActorSpec<ListenerMsg, ListenerState> {
  return {
    kind: "bfd-listener",
    mailbox: { capacity: 4096, overflow: "drop-newest" },
    init(ctx) {
      let socket = seed.socket;
      seed.socket = null;
      const restarted = socket === null;
      if (socket === null) {
        const r = deps.transport.listen(seed.options);
        // Throwing lets supervision retry with backoff (the address may come back).
        if (!r.ok)
          throw new Error(`cannot bind BFD listener ${seed.key}: ${r.error.code} ${r.error.message}`);
        socket = r.value;
      }
      const st: ListenerState = {
        socket,
        byDiscr: new Map(),
        byPeer: new Map(),
        drops: new Map(),
        retiredByDiscr: new Map(),
        retiredByPeer: new Map(),
        sweepAt: null,
      };
      install(st, seed.key, deps.metrics, ctx.clock);
      if (restarted) seed.onRestart();
      return st;
    },
    receive(st, m, ctx) {
      switch (m.t) {
        case "register": {
          const route: Route = { session: m.session, inbox: m.inbox };
          st.byDiscr.set(m.discr, route);
          st.byPeer.set(m.peer, route);
          // A live route wins over a tombstone (a peer re-added during its old session's hold).
          const t = st.retiredByPeer.get(m.peer);
          if (t !== undefined) st.retiredByPeer.delete(m.peer);
          const d = st.retiredByDiscr.get(m.discr);
          if (d !== undefined) forget(st, d);
          return st;
        }
        case "unregister":
          entomb(st, m.discr, m.peer, ctx);
          return st;
        case "retired":
          shorten(st, m.discr, ctx);
          return st;
        case "sweep":
          sweep(st, ctx);
          return st;
        case "stats":
          m.replyTo.tell({
            key: seed.key,
            sessions: st.byDiscr.size,
            received: st.socket.received,
            drops: Object.fromEntries(st.drops),
            retired: st.retiredByDiscr.size,
          });
          return st;
        default:
          return assertNever(m, "bfd listener message");
      }
    },
    stop(st) {
      st.socket.close();
    },
  };
}
