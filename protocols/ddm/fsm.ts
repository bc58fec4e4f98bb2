/**
 * The per-interface DDM state machine as a pure transition function (spec
 * ddm-bfd-maghemite.md §1.1, §1.2). It folds maghemite's discovery threads
 * (solicit loop, listen loops, expire loop) and its SM thread into one
 * `step(state, event, now)`; the actor shell performs the returned actions.
 *
 * ```
 *            addressResolved              valid advertisement
 *   Init ----------------------> Solicit -----------------------> Exchange
 *    ^  \__ addressFailed: retry    ^  <-- neighbour expired ------  |
 *    |      after ipAddrWait        |  <-- admin expire, push failed |
 *    +------- discoveryFailed ------+----------- discoveryFailed ----+
 * ```
 *
 * Deliberate differences from ddmd, each tested:
 * - Expiry is a deadline at `lastSeen + expireThreshold` rather than a check
 *   every solicit interval, so it fires at 5 s, not 5–7 s (spec §1.1).
 * - A renumbered peer (advertisement from a new address in Exchange) drops the
 *   routes learned via the old address, repoints the exchange server and pulls
 *   again (fixes Part 5 item 4).
 * - A refused connection and an HTTP error status expire the peer like a
 *   timeout (Part 5 item 2: ddmd counts only the timeout). An error status is
 *   also counted apart (`update_rejected`) to tell a refusing peer from a
 *   dead one.
 * - Internal pushes forward their tunnel part too (Part 5 item 3), and drop
 *   path vectors the peer already appears in (it would discard them as loops).
 */
import { assertNever } from "../common/assert-never.js";
import type { Millis } from "../common/time.js";
import type {
  DdmEvent,
  DdmState,
  ExchangeState,
  InterfaceConfig,
  LinkInfo,
  Neighbor,
  PullReason,
  SolicitState,
  StepResult,
  TransitionReason,
} from "./fsm-types.js";
import { Effects } from "./fsm-effects.js";
import { adminUpdate, forPeer, isEmptyUpdate } from "./fsm-updates.js";
import type { Update } from "./types.js";

/** Events only the Exchange state acts on. */
type ExchangeEvent = Extract<
  DdmEvent,
  {
    kind:
      | "serverStarted"
      | "serverFailed"
      | "pullResult"
      | "pushResult"
      | "adminAnnounce"
      | "adminWithdraw"
      | "adminExpire"
      | "adminSync"
      | "peerPush";
  }
>;

const plus = (t: Millis, d: Millis): Millis => (t + d) as Millis;

/** The machine for one interface, closed over its configuration. */
export interface DdmMachine {
  /** The initial Init state and its first action (resolve the address). */
  start(now: Millis): StepResult;
  /** Handle one event. Pure: the same inputs give the same outputs. */
  step(state: DdmState, event: DdmEvent, now: Millis): StepResult;
}

/** Build the machine for `config`. */
export function createMachine(config: InterfaceConfig): DdmMachine {
  const { local, timers } = config;

  const solicitMsg = { solicit: true, advertise: false, kind: local.kind, hostname: local.hostname } as const;
  const advertMsg = { solicit: false, advertise: true, kind: local.kind, hostname: local.hostname } as const;

  // Timer bookkeeping always comes from `fx`, whatever the handler put in the state.
  const finish = (fx: Effects, s: DdmState): StepResult => ({
    state: { ...s, timers: fx.timers, nextGen: fx.nextGen },
    actions: fx.actions,
  });

  function enterInit(s: DdmState, fx: Effects, now: Millis, reason: TransitionReason): DdmState {
    fx.emit({ kind: "stopDiscovery" });
    for (const t of ["solicit", "expire", "serverRetry", "pullRetry"] as const) fx.cancel(t);
    fx.transition(s.name, "init", reason);
    fx.emit({ kind: "resolveAddress" });
    return { name: "init", enteredAt: now, timers: {}, nextGen: 0, epoch: s.epoch };
  }

  /** maghemite `expire_peer` minus the state change (spec §1.2, steps 1–4 and 6). */
  function teardownExchange(s: ExchangeState, fx: Effects): void {
    fx.emit({ kind: "stopExchangeServer" });
    fx.cancel("serverRetry");
    fx.cancel("pullRetry");
    fx.emit({ kind: "expireRoutes", nexthop: s.neighbor.addr, ifName: s.link.ifName });
  }

  function expireToSolicit(
    s: ExchangeState,
    fx: Effects,
    now: Millis,
    reason: TransitionReason,
    keepNeighbor: boolean,
  ): SolicitState {
    teardownExchange(s, fx);
    if (!keepNeighbor) fx.cancel("expire");
    fx.transition("exchange", "solicit", reason);
    return {
      name: "solicit",
      enteredAt: now,
      timers: s.timers,
      nextGen: s.nextGen,
      epoch: s.epoch,
      link: s.link,
      neighbor: keepNeighbor ? s.neighbor : null,
    };
  }

  function pull(s: ExchangeState, fx: Effects, reason: PullReason): void {
    fx.emit({
      kind: "pull",
      peer: s.neighbor.addr,
      version: s.neighbor.version,
      reason,
      epoch: s.epoch,
      timeout: timers.pullTimeout,
    });
  }

  function push(s: ExchangeState, fx: Effects, update: Update): void {
    if (isEmptyUpdate(update)) return;
    fx.emit({
      kind: "push",
      peer: s.neighbor.addr,
      version: s.neighbor.version,
      update,
      epoch: s.epoch,
      timeout: timers.exchangeTimeout,
    });
    fx.count("updates_sent");
  }

  function onPacket(
    s: DdmState,
    ev: Extract<DdmEvent, { kind: "packet" }>,
    fx: Effects,
    now: Millis,
  ): DdmState {
    // Discovery sockets exist only once Init has resolved the link.
    if (s.name === "init") return s;
    if (ev.from === s.link.addr) {
      fx.count("own_packet_dropped");
      return s;
    }
    const p = ev.packet;
    if (p.solicit) {
      // A solicitation is answered at once but does not refresh liveness (spec §1.1).
      fx.count("solicitations_received");
      fx.emit({ kind: "send", to: ev.from, message: advertMsg });
      fx.count("advertisements_sent");
    }
    if (!p.advertise) return s;
    fx.count("advertisements_received");
    if (p.exchangeVersion === null) {
      fx.count("advert_unknown_version_dropped");
      return s;
    }
    const seen: Neighbor = {
      addr: ev.from,
      hostname: p.hostname,
      kind: p.kind,
      version: p.exchangeVersion,
      lastSeen: now,
    };
    fx.arm("expire", plus(now, timers.expireThreshold));
    const prev = s.neighbor;
    if (prev === null) fx.count("peer_sessions_established");
    else if (prev.addr !== seen.addr) fx.count("peer_address_changes");

    if (s.name === "solicit") {
      const epoch = s.epoch + 1;
      fx.transition("solicit", "exchange", "neighbor-advertised");
      fx.emit({ kind: "startExchangeServer", link: s.link, peer: seen.addr, epoch });
      return {
        name: "exchange",
        enteredAt: now,
        timers: s.timers,
        nextGen: s.nextGen,
        epoch,
        link: s.link,
        neighbor: seen,
        server: "starting",
        pull: "waiting-server",
      };
    }
    if (prev !== null && prev.addr !== seen.addr) {
      // Renumbering inside Exchange: the duration is not reset (spec §1.2), but
      // routes via the old nexthop are stale and the server must import via the new one.
      fx.emit({ kind: "expireRoutes", nexthop: prev.addr, ifName: s.link.ifName });
      fx.emit({ kind: "setExchangePeer", peer: seen.addr });
      fx.cancel("pullRetry");
      const next: ExchangeState = {
        ...s,
        neighbor: seen,
        pull: s.server === "up" ? "in-flight" : "waiting-server",
      };
      if (s.server === "up") pull(next, fx, "renumber");
      return next;
    }
    return { ...s, neighbor: seen };
  }

  function onTimer(
    s: DdmState,
    ev: Extract<DdmEvent, { kind: "timer" }>,
    fx: Effects,
    now: Millis,
  ): DdmState {
    if (s.timers[ev.timer] !== ev.gen) return s; // stale or cancelled
    delete fx.timers[ev.timer];
    switch (ev.timer) {
      case "addrWait":
        if (s.name === "init") fx.emit({ kind: "resolveAddress" });
        return s;
      case "solicit":
        if (s.name === "init") return s;
        fx.emit({ kind: "send", to: "multicast", message: solicitMsg });
        fx.count("solicitations_sent");
        fx.arm("solicit", plus(now, timers.solicitInterval));
        return s;
      case "expire":
        if (s.name === "init") return s;
        fx.count("peer_expirations");
        if (s.name === "solicit") return { ...s, neighbor: null };
        return expireToSolicit(s, fx, now, "neighbor-expired", false);
      case "serverRetry":
        if (s.name !== "exchange") return s;
        fx.emit({ kind: "startExchangeServer", link: s.link, peer: s.neighbor.addr, epoch: s.epoch });
        return { ...s, server: "starting" };
      case "pullRetry":
        if (s.name !== "exchange") return s;
        pull(s, fx, "initial");
        return { ...s, pull: "in-flight" };
      default:
        return assertNever(ev.timer, "timer");
    }
  }

  function onExchangeEvent(s: ExchangeState, ev: ExchangeEvent, fx: Effects, now: Millis): DdmState {
    switch (ev.kind) {
      case "serverStarted":
        if (ev.epoch !== s.epoch || s.server === "up") return s;
        if (s.pull === "waiting-server") {
          const next: ExchangeState = { ...s, server: "up", pull: "in-flight" };
          pull(next, fx, "initial");
          return next;
        }
        return { ...s, server: "up" };
      case "serverFailed":
        if (ev.epoch !== s.epoch || s.server !== "starting") return s;
        fx.arm("serverRetry", plus(now, timers.serverRetry));
        return { ...s, server: "retry-wait" };
      case "pullResult":
        if (ev.epoch !== s.epoch || ev.peer !== s.neighbor.addr) return s;
        if (ev.reason === "sync") return s; // a failed sync is only logged (spec §1.2)
        // Only the pull we started counts: a result that arrives while none is in
        // flight (a duplicate, or one racing a server restart) must not mark the
        // initial pull done before our exchange server is up.
        if (s.pull !== "in-flight") return s;
        if (ev.ok) return { ...s, pull: "done" };
        fx.arm("pullRetry", plus(now, timers.solicitInterval));
        return { ...s, pull: "retry-wait" };
      case "pushResult":
        if (ev.epoch !== s.epoch || ev.peer !== s.neighbor.addr) return s;
        switch (ev.outcome) {
          case "ok":
            return s;
          case "rejected":
            // The peer is alive but did not apply the update, so its table no
            // longer matches ours: a failure like a timeout (spec Part 5 item 2).
            // Re-establishing makes both sides pull again.
            fx.count("update_rejected");
            fx.count("update_send_fail");
            return expireToSolicit(s, fx, now, "push-failed", true);
          case "timeout":
          case "unreachable":
            fx.count("update_send_fail");
            return expireToSolicit(s, fx, now, "push-failed", true);
          default:
            return assertNever(ev.outcome, "push outcome");
        }
      case "adminAnnounce":
        push(s, fx, adminUpdate(ev.set, false, local.hostname));
        return s;
      case "adminWithdraw":
        push(s, fx, adminUpdate(ev.set, true, local.hostname));
        return s;
      case "adminExpire":
        if (ev.addr !== s.neighbor.addr) return s;
        return expireToSolicit(s, fx, now, "admin-expire", true);
      case "adminSync":
        pull(s, fx, "sync");
        return s;
      case "peerPush":
        push(s, fx, forPeer(ev.update, s.neighbor.hostname));
        return s;
      default:
        return assertNever(ev, "exchange event");
    }
  }

  function step(s: DdmState, ev: DdmEvent, now: Millis): StepResult {
    const fx = new Effects(s);
    switch (ev.kind) {
      case "addressResolved": {
        if (s.name !== "init") return finish(fx, s);
        const link: LinkInfo = ev.link;
        fx.cancel("addrWait");
        fx.transition("init", "solicit", "address-resolved");
        fx.emit({ kind: "startDiscovery", link });
        // The solicit loop sends first, then sleeps (spec §1.1).
        fx.emit({ kind: "send", to: "multicast", message: solicitMsg });
        fx.count("solicitations_sent");
        fx.arm("solicit", plus(now, timers.solicitInterval));
        return finish(fx, {
          name: "solicit",
          enteredAt: now,
          timers: {},
          nextGen: 0,
          epoch: s.epoch,
          link,
          neighbor: null,
        });
      }
      case "addressFailed":
        if (s.name === "init") fx.arm("addrWait", plus(now, timers.ipAddrWait));
        return finish(fx, s);
      case "packet":
        return finish(fx, onPacket(s, ev, fx, now));
      case "timer":
        return finish(fx, onTimer(s, ev, fx, now));
      case "discoveryFailed":
        if (s.name === "init") return finish(fx, s);
        if (s.name === "exchange") teardownExchange(s, fx);
        return finish(fx, enterInit(s, fx, now, "discovery-failed"));
      case "serverStarted":
      case "serverFailed":
      case "pullResult":
      case "pushResult":
      case "adminExpire":
        return finish(fx, s.name === "exchange" ? onExchangeEvent(s, ev, fx, now) : s);
      case "adminAnnounce":
      case "adminWithdraw":
      case "adminSync":
      case "peerPush":
        // Outside Exchange these are dropped; the peer catches up by its initial pull (spec §1.2).
        if (s.name !== "exchange") {
          fx.count("event_dropped_not_exchanging");
          return finish(fx, s);
        }
        return finish(fx, onExchangeEvent(s, ev, fx, now));
      default:
        return assertNever(ev, "event");
    }
  }

  return {
    start(now: Millis): StepResult {
      return {
        state: { name: "init", enteredAt: now, timers: {}, nextGen: 0, epoch: 0 },
        actions: [{ kind: "resolveAddress" }],
      };
    },
    step,
  };
}
