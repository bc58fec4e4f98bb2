/**
 * One actor per configured interface, owning its DDM state machine (state,
 * entered-at, neighbour, counters) and the interface's sockets: the
 * discovery pair and, in Exchange, the exchange server. A thin shell (style
 * guide rule 14): every input becomes a `DdmEvent`, `step` decides, and the
 * returned actions are performed here in order (spec ddm-bfd-maghemite.md
 * §1.1, §1.2).
 *
 * - Pushes go out one at a time per interface, in order: an announce and a
 *   later withdraw of the same prefix must not swap on the wire.
 * - Pushes received while a pull is in flight are journaled and replayed over
 *   the pull answer before it reconciles the RIB (`replayJournal`).
 * - Imports are attributed to the neighbour the machine is exchanging with,
 *   so a renumbered peer's routes get the new nexthop (spec Part 5 item 4).
 * - Once the first pull of a session succeeds, our whole table is announced
 *   to the peer (`announceTable`) if it may lack part of it: it has not pulled
 *   our table this session (within two solicit intervals of our pull), or
 *   something meant for it was dropped since it last did (outside Exchange).
 */
import { assertNever } from "../../protocols/common/assert-never.js";
import type { Millis } from "../../protocols/common/time.js";
import {
  type DdmAction,
  type DdmCounter,
  type DdmEvent,
  type DdmState,
  decodeDiscovery,
  encodeDiscovery,
  type InterfaceConfig,
  type Ipv6Addr,
  type LinkInfo,
  type Nexthop,
  peerStatus,
  type PullResponse,
  replayJournal,
  type Update,
  chunkUpdate,
  createMachine,
} from "../../protocols/ddm/index.js";
import type { DiscoveryTransport } from "../../dataplane/ddm/discovery-transport.js";
import type { ExchangeServer } from "../../dataplane/ddm/exchange-server.js";
import { ask, type ActorContext, type ActorRef, type ActorSpec } from "../runtime/index.js";
import type { DdmIo } from "./io.js";
import type { InterfaceMsg, InterfaceStatus, RouterMsg } from "./messages.js";
import { type DdmMetrics, isDiscoveryCounter, STATES } from "./metrics.js";

/** What an interface actor is built with. */
export interface InterfaceDeps {
  readonly ifName: string;
  readonly config: InterfaceConfig;
  readonly io: DdmIo;
  readonly router: ActorRef<RouterMsg>;
  readonly metrics: DdmMetrics;
  /** Deadline for building a pull answer from the router. */
  readonly pullAnswerTimeoutMs?: number;
}

type PushAction = Extract<DdmAction, { kind: "push" }>;

interface Shell {
  fsm: DdmState;
  readonly counters: Partial<Record<DdmCounter | "updates_received", number>>;
  discovery: DiscoveryTransport | null;
  server: ExchangeServer | null;
  /**
   * Settles once no exchange server started by this actor is bound any more
   * (closed, failed to bind, or never adopted); every start waits for it.
   */
  serverFree: Promise<void>;
  /** The neighbour the running server imports from and answers pulls for. */
  serverPeer: Ipv6Addr | null;
  readonly pushQueue: PushAction[];
  pushing: boolean;
  pullsInFlight: number;
  journal: Update[] | null;
  imported: { prefixes: number; tunnels: number };
  lastNeighbor: InterfaceStatus["neighbor"];
  /**
   * The peer may lack part of our table: set when a session starts and when
   * an event meant for the peer is dropped outside Exchange; cleared when the
   * peer pulls our table (its answer is built after every drop queued before
   * the pull). Decides whether `announceTable` must send the whole table.
   */
  owed: boolean;
}

/** Underlay path vectors an update carries, announced and withdrawn. */
const vectorsIn = (u: Update): number =>
  (u.underlay?.announce.length ?? 0) + (u.underlay?.withdraw.length ?? 0);

/**
 * `chunkUpdate` of an update, once per update object: a transit's router
 * hands the same redistribution to every other interface, and shared chunks
 * let the exchange client serialise each body once for all of them.
 */
const chunkCache = new WeakMap<Update, Update[]>();
function chunksOf(u: Update): Update[] {
  let chunks = chunkCache.get(u);
  if (chunks === undefined) {
    chunks = chunkUpdate(u);
    chunkCache.set(u, chunks);
  }
  return chunks;
}

/** The interface actor's spec. */
export function interfaceSpec(deps: InterfaceDeps): ActorSpec<InterfaceMsg, Shell> {
  const { ifName, config, io, router, metrics } = deps;
  const machine = createMachine(config);
  const label = { interface: ifName };

  const setStateGauge = (s: DdmState) => {
    for (const st of STATES) metrics.state.set({ interface: ifName, state: st }, st === s.name ? 1 : 0);
  };

  const count = (sh: Shell, c: DdmCounter | "updates_received") => {
    sh.counters[c] = (sh.counters[c] ?? 0) + 1;
    if (c !== "updates_received" && isDiscoveryCounter(c)) metrics.discovery.inc({ ...label, event: c });
    else metrics.exchange.inc({ ...label, event: c });
  };

  const neighborOf = (sh: Shell): Nexthop | null =>
    sh.fsm.name === "exchange" ? { addr: sh.fsm.neighbor.addr, ifName } : null;

  /** Step the machine with `event` and perform what it asks, including events the actions produce at once. */
  function feed(sh: Shell, first: DdmEvent, ctx: ActorContext<InterfaceMsg>): void {
    const queue: DdmEvent[] = [first];
    for (let e = queue.shift(); e !== undefined; e = queue.shift()) {
      const r = machine.step(sh.fsm, e, ctx.clock.now());
      sh.fsm = r.state;
      if (r.state.name !== "init" && r.state.neighbor !== null)
        sh.lastNeighbor = {
          addr: r.state.neighbor.addr,
          hostname: r.state.neighbor.hostname,
          version: r.state.neighbor.version,
        };
      for (const a of r.actions) perform(sh, a, ctx, queue);
    }
  }

  function perform(sh: Shell, a: DdmAction, ctx: ActorContext<InterfaceMsg>, queue: DdmEvent[]): void {
    switch (a.kind) {
      case "resolveAddress": {
        const l = io.resolveLink(ifName);
        if (l.ok) {
          router.tell({ t: "link", ifName, ifIndex: l.value.ifIndex });
          queue.push({ kind: "addressResolved", link: l.value });
        } else queue.push({ kind: "addressFailed", reason: l.error.code });
        return;
      }
      case "startDiscovery": {
        const d = io.openDiscovery(a.link, {
          onDatagram: (dg) => ctx.self.tell({ t: "datagram", from: dg.from, data: dg.data }),
          onDrop: (reason) => metrics.dropped.inc({ ...label, reason }),
          onError: (e) =>
            ctx.self.tell({ t: "event", event: { kind: "discoveryFailed", reason: e.message } }),
        });
        if (d.ok) sh.discovery = d.value;
        else {
          ctx.log.warn({ err: d.error.message }, "discovery sockets failed to open; retrying");
          // Deferred by ip-addr-wait so a persistent failure does not spin Init ↔ Solicit.
          ctx.timers.arm("discoveryRetry", config.timers.ipAddrWait, {
            t: "event",
            event: { kind: "discoveryFailed", reason: d.error.message },
          });
        }
        return;
      }
      case "stopDiscovery":
        sh.discovery?.close();
        sh.discovery = null;
        return;
      case "send": {
        const bytes = encodeDiscovery(a.message);
        if (!bytes.ok || sh.discovery === null) return;
        const r = sh.discovery.send(a.to, bytes.value);
        if (!r.ok) {
          ctx.log.warn({ err: r.error.message, to: a.to }, "discovery send failed");
          queue.push({ kind: "discoveryFailed", reason: r.error.message });
        }
        return;
      }
      case "arm": {
        const event: DdmEvent = { kind: "timer", timer: a.timer, gen: a.gen };
        // Expiry goes through `expireDue` first (see there); the name is the same,
        // so the machine's own re-arm or cancel of "expire" still supersedes it.
        ctx.timers.arm(
          a.timer,
          Math.max(0, a.at - ctx.clock.now()),
          a.timer === "expire" ? { t: "expireDue", event } : { t: "event", event },
        );
        return;
      }
      case "cancel":
        ctx.timers.cancel(a.timer);
        return;
      case "startExchangeServer": {
        sh.serverPeer = a.peer;
        sh.owed = true;
        startServer(sh, a.link, a.epoch, ctx);
        return;
      }
      case "setExchangePeer":
        sh.serverPeer = a.peer;
        sh.journal = sh.pullsInFlight > 0 ? [] : null;
        return;
      case "stopExchangeServer":
        void sh.server?.close();
        sh.server = null;
        sh.serverPeer = null;
        sh.pushQueue.length = 0;
        sh.journal = null;
        return;
      case "pull": {
        sh.pullsInFlight += 1;
        sh.journal ??= [];
        const { peer, reason, epoch } = a;
        void io
          .pull({ addr: peer, ifName }, a.version, a.timeout)
          .then((result) => ctx.self.tell({ t: "pulled", epoch, peer, reason, result }));
        return;
      }
      case "push":
        // Large updates go as several bodies, in order (`chunkUpdate`); a failed
        // chunk fails the push like a failed whole would.
        for (const update of chunksOf(a.update)) sh.pushQueue.push({ ...a, update });
        pumpPushes(sh, ctx);
        return;
      case "expireRoutes":
        router.tell({ t: "expire", from: { addr: a.nexthop, ifName: a.ifName } });
        return;
      case "transition":
        setStateGauge(sh.fsm);
        ctx.log.info({ from: a.from, to: a.to, reason: a.reason }, `[${ifName}] ${a.from} -> ${a.to}`);
        return;
      case "count":
        if (a.counter === "event_dropped_not_exchanging") sh.owed = true;
        count(sh, a.counter);
        return;
      default:
        assertNever(a, "ddm action");
    }
  }

  /**
   * Bind the exchange server for session `epoch`, once the previous server
   * of this interface is gone. The port is the same for every session on a
   * link, and a server is adopted only when its `serverUp` message is
   * handled: a session that ended and restarted before that (a flap while
   * the mailbox was long) found the old server still bound, got EADDRINUSE
   * and waited `serverRetry` (1 s) to try again. So starts are chained: each
   * waits until the server before it has been closed (`serverFree`), which
   * happens at the latest when its stale `serverUp` is handled.
   */
  function startServer(sh: Shell, link: LinkInfo, epoch: number, ctx: ActorContext<InterfaceMsg>): void {
    const previous = sh.serverFree;
    let release = (): void => undefined;
    sh.serverFree = new Promise<void>((resolve) => {
      release = resolve;
    });
    void previous
      .then(() =>
        io.startServer(link, {
          onPush: (update) => ctx.self.tell({ t: "pushIn", epoch, update }).delivered,
          onPull: () => {
            ctx.self.tell({ t: "pulledBy", epoch });
            return pullAnswer(sh);
          },
          onReject: (reason) => metrics.dropped.inc({ ...label, reason }),
        }),
      )
      .then(
        (r) => {
          if (!r.ok) {
            release();
            ctx.self.tell({ t: "serverDown", epoch, reason: r.error.message });
            return;
          }
          const bound = r.value;
          const server: ExchangeServer = {
            port: bound.port,
            close: () => bound.close().finally(release),
          };
          // Not delivered (actor stopped, mailbox full): nobody will adopt it.
          if (!ctx.self.tell({ t: "serverUp", epoch, server }).delivered) void server.close();
        },
        (e: unknown) => {
          release();
          ctx.self.tell({ t: "serverDown", epoch, reason: String(e) });
        },
      );
  }

  async function pullAnswer(sh: Shell): Promise<PullResponse> {
    const peer = sh.serverPeer;
    if (peer === null) throw new Error("no exchange peer");
    return ask<RouterMsg, PullResponse>(
      router,
      (replyTo) => ({ t: "pullFor", peer: { addr: peer, ifName }, replyTo }),
      deps.pullAnswerTimeoutMs ?? 5000,
    );
  }

  /**
   * Once a session's first pull succeeded (so the peer's server is up), push
   * our whole table to the peer (our addition). The
   * peer pulled from us when *it* entered Exchange, which may have been
   * before we did; redistributions made in between were dropped here
   * (outside Exchange) and would never reach it (maghemite issue #351,
   * inconsistent propagation). Re-announcing what it already has is
   * idempotent.
   */
  function announceTable(sh: Shell, ctx: ActorContext<InterfaceMsg>): void {
    void pullAnswer(sh)
      .then((p) => {
        if (p.underlay.length + p.tunnel.length === 0) return;
        ctx.self.tell({
          t: "event",
          event: {
            kind: "peerPush",
            update: {
              underlay: { announce: p.underlay, withdraw: [] },
              tunnel: { announce: p.tunnel, withdraw: [] },
            },
          },
        });
      })
      .catch((e: unknown) => ctx.log.warn({ err: String(e) }, "could not build the table to announce"));
  }

  function pumpPushes(sh: Shell, ctx: ActorContext<InterfaceMsg>): void {
    if (sh.pushing) return;
    const next = sh.pushQueue.shift();
    if (next === undefined) return;
    sh.pushing = true;
    metrics.vectors.inc({ ...label, direction: "sent" }, vectorsIn(next.update));
    void io
      .push({ addr: next.peer, ifName }, next.version, next.update, next.timeout)
      .then((outcome) => ctx.self.tell({ t: "pushed", epoch: next.epoch, peer: next.peer, outcome }));
  }

  return {
    kind: "ddm-interface",
    mailbox: { capacity: 4096, overflow: "drop-newest" },
    init(ctx) {
      const start = machine.start(ctx.clock.now());
      const sh: Shell = {
        fsm: start.state,
        counters: {},
        discovery: null,
        server: null,
        serverFree: Promise.resolve(),
        serverPeer: null,
        pushQueue: [],
        pushing: false,
        pullsInFlight: 0,
        journal: null,
        imported: { prefixes: 0, tunnels: 0 },
        lastNeighbor: null,
        owed: true,
      };
      setStateGauge(sh.fsm);
      const queue: DdmEvent[] = [];
      for (const a of start.actions) perform(sh, a, ctx, queue);
      for (const e of queue) feed(sh, e, ctx);
      return sh;
    },
    receive(sh, m, ctx) {
      switch (m.t) {
        case "event":
          feed(sh, m.event, ctx);
          return sh;
        case "expireDue":
          // The expiry deadline passed, but when this process was starved of CPU the
          // peer's advertisement may be sitting unread in the socket: timers run
          // before the poll phase that reads it, so expiring now would drop a live
          // peer (seen under load with the lab's 1 s threshold). So the expiry is
          // confirmed by a message to self, which queues behind every datagram
          // already delivered to the mailbox: the poll phase runs before the run
          // queue's next round, so an advertisement that was waiting is read and
          // queued first, re-arms "expire", and the confirmation turns stale (spec
          // §1.2 expiry is about adverts *sent*, not ones we had not got round to
          // reading). It must not be a timer: timer fires are handled ahead of the
          // mailbox, and re-arming "expire" here would replace a newer arm.
          if (m.event.kind !== "timer" || sh.fsm.timers.expire !== m.event.gen) return sh;
          // A full mailbox would drop the confirmation and with it the expiry.
          if (!ctx.self.tell({ t: "expireConfirm", event: m.event }).delivered) feed(sh, m.event, ctx);
          return sh;
        case "expireConfirm":
          feed(sh, m.event, ctx);
          return sh;
        case "datagram": {
          const p = decodeDiscovery(m.data);
          if (!p.ok) {
            metrics.dropped.inc({ ...label, reason: p.error.code });
            return sh;
          }
          feed(sh, { kind: "packet", from: m.from, packet: p.value }, ctx);
          return sh;
        }
        case "pushIn": {
          const from = neighborOf(sh);
          if (from === null || sh.fsm.epoch !== m.epoch) return sh; // a session that has ended
          count(sh, "updates_received");
          metrics.vectors.inc({ ...label, direction: "received" }, vectorsIn(m.update));
          sh.journal?.push(m.update);
          router.tell({ t: "update", from, update: m.update });
          return sh;
        }
        case "pulled": {
          sh.pullsInFlight = Math.max(0, sh.pullsInFlight - 1);
          const from = neighborOf(sh);
          const current = from !== null && sh.fsm.epoch === m.epoch && from.addr === m.peer;
          if (current && m.result.ok) {
            count(sh, "updates_received");
            metrics.vectors.inc({ ...label, direction: "pulled" }, m.result.value.underlay.length);
            router.tell({ t: "sync", from, response: replayJournal(m.result.value, sh.journal ?? []) });
          } else if (!m.result.ok)
            ctx.log.debug({ peer: m.peer, reason: m.reason, err: m.result.error }, "pull failed");
          if (sh.pullsInFlight === 0) sh.journal = null;
          feed(
            sh,
            { kind: "pullResult", epoch: m.epoch, peer: m.peer, reason: m.reason, ok: m.result.ok },
            ctx,
          );
          // The peer's server answered, so it is up: our table can go to it, if it may lack some.
          // The peer pulls us when it enters Exchange, and retries a failed pull after a solicit
          // interval, so it is given two intervals to do so before we push the whole table.
          if (current && m.result.ok && m.reason !== "sync" && sh.owed)
            ctx.timers.arm("announce", 2 * config.timers.solicitInterval, {
              t: "announceDue",
              epoch: m.epoch,
            });
          return sh;
        }
        case "pulledBy":
          if (sh.fsm.epoch === m.epoch) sh.owed = false;
          return sh;
        case "announceDue":
          if (sh.fsm.epoch === m.epoch && sh.fsm.name === "exchange" && sh.owed) {
            sh.owed = false;
            announceTable(sh, ctx);
          }
          return sh;
        case "pushed":
          sh.pushing = false;
          if (m.outcome !== "ok") ctx.log.warn({ peer: m.peer, outcome: m.outcome }, "push failed");
          feed(sh, { kind: "pushResult", epoch: m.epoch, peer: m.peer, outcome: m.outcome }, ctx);
          pumpPushes(sh, ctx);
          return sh;
        case "serverUp":
          if (sh.fsm.name !== "exchange" || sh.fsm.epoch !== m.epoch || sh.server !== null) {
            void m.server.close(); // the session it was for has ended
            return sh;
          }
          sh.server = m.server;
          feed(sh, { kind: "serverStarted", epoch: m.epoch }, ctx);
          return sh;
        case "serverDown":
          ctx.log.warn({ reason: m.reason }, "exchange server failed to start; retrying");
          feed(sh, { kind: "serverFailed", epoch: m.epoch, reason: m.reason }, ctx);
          return sh;
        case "imported":
          sh.imported = { prefixes: m.prefixes, tunnels: m.tunnels };
          return sh;
        case "status": {
          const link = sh.fsm.name === "init" ? null : sh.fsm.link;
          m.replyTo.tell({
            ifName,
            ifIndex: link?.ifIndex ?? 0,
            addr: link?.addr ?? null,
            status: peerStatus(sh.fsm, ctx.clock.now() as Millis),
            neighbor: sh.fsm.name === "init" || sh.fsm.neighbor === null ? null : sh.lastNeighbor,
            counters: { ...sh.counters },
            importedPrefixes: sh.imported.prefixes,
            importedTunnelEndpoints: sh.imported.tunnels,
          });
          return sh;
        }
        default:
          return assertNever(m, "interface message");
      }
    },
    stop(sh) {
      sh.discovery?.close();
      void sh.server?.close();
      for (const st of STATES) metrics.state.remove({ interface: ifName, state: st });
    },
  };
}
