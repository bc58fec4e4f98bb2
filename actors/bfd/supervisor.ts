/**
 * The BFD supervisor: parent of every listener and session actor, and the single writer of which
 * peers exist (style guide rule 18). It allocates discriminators (RFC 5880 §6.8.1: non-zero,
 * unique per system), opens a listener on first use of a (local address, port) and closes it
 * with its last session, and answers list queries by fanning out to the sessions — it keeps no
 * copy of any session's state. Replies to queries are sent when the fan-out settles, without
 * holding this actor's mailbox.
 */
import { type Discriminator, U32_MAX_DISCRIMINATOR } from "./discriminators.js";
import { RETIRE_HOLD_MAX_MS } from "../../protocols/bfd/index.js";
import { assertNever } from "../../protocols/common/assert-never.js";
import { err, ok, type Result } from "../../protocols/common/result.js";
import type { Random } from "../../protocols/common/time.js";
import type { BfdTransport } from "../../dataplane/bfd/index.js";
import { type ActorContext, type ActorRef, type ActorSpec, ask, askEach } from "../runtime/index.js";
import type { BfdFailure } from "./errors.js";
import { type ListenerMsg, type ListenerSeed, listenerActor } from "./listener-actor.js";
import type { BfdMetrics } from "./metrics.js";
import { RxInbox } from "./rx-inbox.js";
import {
  SESSION_RX_QUEUE,
  type SessionDeps,
  type SessionMsg,
  type SessionSeed,
  sessionActor,
} from "./session-actor.js";
import type { PeerSpec, PeerUpdate, SessionSnapshot } from "./types.js";

/** Messages the supervisor handles. */
export type SupervisorMsg =
  | { readonly t: "add"; readonly spec: PeerSpec; readonly replyTo: ActorRef<Result<true, BfdFailure>> }
  | { readonly t: "remove"; readonly peer: string; readonly replyTo: ActorRef<boolean> | null }
  | {
      readonly t: "update";
      readonly peer: string;
      readonly change: PeerUpdate;
      readonly replyTo: ActorRef<Result<SessionSnapshot, BfdFailure>>;
    }
  | { readonly t: "list"; readonly replyTo: ActorRef<SessionSnapshot[]> }
  | { readonly t: "get"; readonly peer: string; readonly replyTo: ActorRef<SessionSnapshot | undefined> }
  | { readonly t: "listener-restarted"; readonly key: string }
  /** The daemon is stopping: every session announces AdminDown once; answers how many did. */
  | { readonly t: "shutdown"; readonly replyTo: ActorRef<number> };

interface PeerEntry {
  readonly seed: SessionSeed;
  readonly ref: ActorRef<SessionMsg>;
  readonly name: string;
  readonly listenerKey: string;
}

interface ListenerEntry {
  readonly ref: ActorRef<ListenerMsg>;
  readonly name: string;
  sessions: number;
}

interface SupervisorState {
  readonly peers: Map<string, PeerEntry>;
  readonly listeners: Map<string, ListenerEntry>;
  readonly discrs: Set<number>;
}

/** What the supervisor is built with. */
export interface SupervisorDeps extends SessionDeps {
  readonly transport: BfdTransport;
  readonly metrics: BfdMetrics;
  readonly random: Random;
  /** The peers to (re)create when the supervisor (re)starts. */
  readonly desired: () => readonly PeerSpec[];
  /** Deadline of each ask to a session. */
  readonly askTimeoutMs: number;
}

type Ctx = ActorContext<SupervisorMsg>;

/** Actor names allow only RFC 1738 "safe" characters: map the rest (`:` `%` …) to `_`. */
function actorName(prefix: string, text: string): string {
  return `${prefix}${text.replace(/[^a-z0-9\-$.+!*'(),]/gi, "_")}`;
}

function allocate(st: SupervisorState, random: Random): Discriminator {
  for (;;) {
    const d = 1 + Math.floor(random() * U32_MAX_DISCRIMINATOR);
    if (!st.discrs.has(d)) {
      st.discrs.add(d);
      return d as Discriminator;
    }
  }
}

function listenerKey(spec: PeerSpec, deps: SupervisorDeps): string {
  return `${spec.listen}|${deps.port(spec.mode)}`;
}

function ensureListener(
  st: SupervisorState,
  spec: PeerSpec,
  deps: SupervisorDeps,
  ctx: Ctx,
): Result<ListenerEntry, BfdFailure> {
  const key = listenerKey(spec, deps);
  const have = st.listeners.get(key);
  if (have !== undefined) return ok(have);
  const options = { family: spec.family, address: spec.listen, port: deps.port(spec.mode) };
  const bound = deps.transport.listen(options);
  if (!bound.ok) {
    return err({
      code: "BFD_E_SOCKET",
      message: `cannot listen on ${spec.listen} port ${options.port}: ${bound.error.code} ${bound.error.message}`,
      field: "listen",
    });
  }
  const self = ctx.self;
  const seed: ListenerSeed = {
    key,
    options,
    socket: bound.value,
    onRestart: () => self.tell({ t: "listener-restarted", key }),
  };
  const name = actorName("listener-", key);
  const ref = ctx.spawn(listenerActor(seed, deps), name);
  const entry: ListenerEntry = { ref, name, sessions: 0 };
  st.listeners.set(key, entry);
  return ok(entry);
}

function add(st: SupervisorState, spec: PeerSpec, deps: SupervisorDeps, ctx: Ctx): Result<true, BfdFailure> {
  if (st.peers.has(spec.peer)) {
    return err({ code: "BFD_E_PEER_EXISTS", message: `peer ${spec.peer} already exists`, field: "peer" });
  }
  const l = ensureListener(st, spec, deps, ctx);
  if (!l.ok) return l;
  const seed: SessionSeed = {
    spec,
    discr: allocate(st, deps.random),
    inbox: new RxInbox(SESSION_RX_QUEUE),
  };
  const name = actorName("session-", `${spec.peer}-${seed.discr}`);
  const ref = ctx.spawn(sessionActor(seed, deps), name);
  st.peers.set(spec.peer, { seed, ref, name, listenerKey: listenerKey(spec, deps) });
  l.value.sessions += 1;
  l.value.ref.tell({ t: "register", discr: seed.discr, peer: spec.peer, session: ref, inbox: seed.inbox });
  return ok(true);
}

async function remove(st: SupervisorState, peer: string, deps: SupervisorDeps, ctx: Ctx): Promise<boolean> {
  const e = st.peers.get(peer);
  if (e === undefined) return false;
  st.peers.delete(peer);
  const l = st.listeners.get(e.listenerKey);
  // The listener that stays open keeps a tombstone of the route, so the remote's packets during
  // the hold and just after count as `retired-session` (listener-actor.ts); it learns when the
  // hold is over. A listener closed with its last session receives nothing more anyway.
  let stays: ActorRef<ListenerMsg> | null = null;
  if (l !== undefined) {
    l.ref.tell({ t: "unregister", discr: e.seed.discr, peer });
    l.sessions -= 1;
    if (l.sessions === 0) {
      st.listeners.delete(e.listenerKey);
      await ctx.stopChild(l.name);
    } else stays = l.ref;
  }
  e.seed.retiring = true;
  // In the background, so a slow session cannot hold the supervisor (DELETE returns at once);
  // the session answers after announcing AdminDown for a Detection Time (retireHoldMs).
  ask<SessionMsg, true>(
    e.ref,
    (replyTo) => ({ t: "retire", hold: true, replyTo }),
    RETIRE_HOLD_MAX_MS + deps.askTimeoutMs,
  )
    .catch(() => undefined)
    .then(() => {
      stays?.tell({ t: "retired", discr: e.seed.discr });
      return ctx.stopChild(e.name);
    })
    .catch(() => undefined)
    .finally(() => st.discrs.delete(e.seed.discr));
  return true;
}

function snapshotOf(ref: ActorRef<SessionMsg>, deps: SupervisorDeps): Promise<SessionSnapshot> {
  return ask<SessionMsg, SessionSnapshot>(ref, (replyTo) => ({ t: "snapshot", replyTo }), deps.askTimeoutMs);
}

/** The supervisor's actor spec. */
export function bfdSupervisor(deps: SupervisorDeps): ActorSpec<SupervisorMsg, SupervisorState> {
  return {
    kind: "bfd-supervisor",
    supervision: { strategy: "one-for-one", maxRestarts: 20, withinMs: 10_000 },
    init(ctx) {
      const st: SupervisorState = { peers: new Map(), listeners: new Map(), discrs: new Set() };
      for (const spec of deps.desired()) {
        const r = add(st, spec, deps, ctx);
        if (!r.ok)
          ctx.log.error(
            { peer: spec.peer, code: r.error.code, err: r.error.message },
            "BFD peer not started",
          );
      }
      return st;
    },
    async receive(st, m, ctx) {
      switch (m.t) {
        case "add":
          m.replyTo.tell(add(st, m.spec, deps, ctx));
          return st;
        case "remove": {
          const existed = await remove(st, m.peer, deps, ctx);
          m.replyTo?.tell(existed);
          return st;
        }
        case "update": {
          const e = st.peers.get(m.peer);
          if (e === undefined) {
            m.replyTo.tell(err({ code: "BFD_E_PEER_NOT_FOUND", message: `no BFD peer ${m.peer}` }));
            return st;
          }
          ask<SessionMsg, SessionSnapshot>(
            e.ref,
            (replyTo) => ({ t: "update", change: m.change, replyTo }),
            deps.askTimeoutMs,
          ).then(
            (s) => m.replyTo.tell(ok(s)),
            (x: unknown) => m.replyTo.tell(err({ code: "BFD_E_NOT_RUNNING", message: String(x) })),
          );
          return st;
        }
        case "shutdown": {
          // Sessions being deleted are already holding in AdminDown; the rest announce it now.
          const refs = [...st.peers.values()].map((e) => e.ref);
          void askEach<SessionMsg, true>(
            refs,
            (replyTo) => ({ t: "retire", hold: false, replyTo }),
            deps.askTimeoutMs,
          ).then(({ answers }) => m.replyTo.tell(answers.length));
          return st;
        }
        case "list": {
          const refs = [...st.peers.values()].map((e) => e.ref);
          void Promise.allSettled(refs.map((r) => snapshotOf(r, deps))).then((all) => {
            const out: SessionSnapshot[] = [];
            for (const s of all) if (s.status === "fulfilled") out.push(s.value);
            m.replyTo.tell(out);
          });
          return st;
        }
        case "get": {
          const e = st.peers.get(m.peer);
          if (e === undefined) m.replyTo.tell(undefined);
          else
            snapshotOf(e.ref, deps).then(
              (s) => m.replyTo.tell(s),
              () => m.replyTo.tell(undefined),
            );
          return st;
        }
        case "listener-restarted": {
          const l = st.listeners.get(m.key);
          if (l === undefined) return st;
          for (const [peer, e] of st.peers) {
            if (e.listenerKey === m.key)
              l.ref.tell({ t: "register", discr: e.seed.discr, peer, session: e.ref, inbox: e.seed.inbox });
          }
          return st;
        }
        default:
          return assertNever(m, "bfd supervisor message");
      }
    },
  };
}
