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
 */
import { parseReceived, selectSession } from "../../protocols/bfd/index.js";
import { assertNever } from "../../protocols/common/assert-never.js";
import type { BfdTransport, ListenerSocket, ListenOptions } from "../../dataplane/bfd/index.js";
import type { ActorRef, ActorSpec } from "../runtime/index.js";
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
  | { readonly t: "unregister"; readonly discr: number; readonly peer: string }
  | { readonly t: "stats"; readonly replyTo: ActorRef<ListenerStats> };

/** A listener's counters. */
export interface ListenerStats {
  readonly key: string;
  readonly sessions: number;
  readonly received: number;
  readonly drops: Readonly<Record<string, number>>;
}

interface Route {
  readonly session: ActorRef<SessionMsg>;
  readonly inbox: RxInbox;
}

interface ListenerState {
  readonly socket: ListenerSocket;
  readonly byDiscr: Map<number, Route>;
  readonly byPeer: Map<string, Route>;
  readonly drops: Map<string, number>;
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

function install(st: ListenerState, key: string, metrics: BfdMetrics): void {
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
    if (!s.ok) return drop(s.error.code);
    const route = s.value;
    if (route.inbox.offer(p.value, d.ttl) === "wake" && !route.session.tell(RX_READY).delivered) {
      // The session's mailbox is full or it is restarting: the packets wait for its next drain
      // (every timer fire drains too), and the next packet asks again.
      route.inbox.wakeFailed();
    }
  };
}

/** The actor spec of one listener. */
export function listenerActor(seed: ListenerSeed, deps: ListenerDeps): ActorSpec<ListenerMsg, ListenerState> {
  return {
    kind: "bfd-listener",
    mailbox: { capacity: 4096, overflow: "drop-newest" },
    init() {
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
      const st: ListenerState = { socket, byDiscr: new Map(), byPeer: new Map(), drops: new Map() };
      install(st, seed.key, deps.metrics);
      if (restarted) seed.onRestart();
      return st;
    },
    receive(st, m) {
      switch (m.t) {
        case "register": {
          const route: Route = { session: m.session, inbox: m.inbox };
          st.byDiscr.set(m.discr, route);
          st.byPeer.set(m.peer, route);
          return st;
        }
        case "unregister":
          st.byDiscr.delete(m.discr);
          if (st.byPeer.get(m.peer) !== undefined) st.byPeer.delete(m.peer);
          return st;
        case "stats":
          m.replyTo.tell({
            key: seed.key,
            sessions: st.byDiscr.size,
            received: st.socket.received,
            drops: Object.fromEntries(st.drops),
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
