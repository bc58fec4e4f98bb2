import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DdmAction, ExchangeState } from "../../../protocols/ddm/fsm-types.js";
import { DEFAULT_TIMERS } from "../../../protocols/ddm/fsm-types.js";
import { peerStatus, peerStatusV1 } from "../../../protocols/ddm/peer-status.js";
import type { TunnelOrigin } from "../../../protocols/ddm/types.js";
import { advert, counts, Driver, kinds, LINK, ms, PEER, solicitation, v6 } from "./fsm-fixtures.js";

const net = (addr: string, len: number) => ({ addr: v6(addr), len });
const of = <K extends DdmAction["kind"]>(acts: readonly DdmAction[], kind: K) =>
  acts.filter((a): a is Extract<DdmAction, { kind: K }> => a.kind === kind);

describe("ddm interface machine: Init (spec §1.2)", () => {
  it("starts in Init and asks for the interface address", () => {
    const d = new Driver(100);
    assert.equal(d.name(), "init");
    assert.deepEqual(kinds(d.actions), ["resolveAddress"]);
  });

  it("retries address resolution every ipAddrWait while the address is missing", () => {
    const d = new Driver(0);
    const a = d.feed({ kind: "addressFailed", reason: "no link-local" });
    assert.deepEqual(of(a, "arm")[0]?.at, 1000);
    d.actions = [];
    d.advanceTo(1000);
    assert.deepEqual(kinds(d.actions), ["resolveAddress"]);
  });

  it("ignores discovery packets before the link is known", () => {
    const d = new Driver();
    assert.deepEqual(d.feed(solicitation()), []);
    assert.equal(d.name(), "init");
  });
});

describe("ddm interface machine: discovery (spec §1.1)", () => {
  it("enters Solicit on address resolution, starts discovery and solicits at once and every interval", () => {
    const d = new Driver(0);
    const a = d.feed({ kind: "addressResolved", link: LINK });
    assert.equal(d.name(), "solicit");
    assert.deepEqual(kinds(a), ["transition", "startDiscovery", "send", "count", "arm"]);
    assert.deepEqual(of(a, "send")[0], {
      kind: "send",
      to: "multicast",
      message: { solicit: true, advertise: false, kind: "transit", hostname: "sw0" },
    });
    d.actions = [];
    d.advanceTo(6000);
    assert.equal(of(d.actions, "send").length, 3); // at 2000, 4000, 6000
  });

  it("answers a solicitation with a unicast advertisement that does not refresh liveness", () => {
    const d = new Driver().toSolicit();
    const a = d.feed(solicitation(v6("fe80::9")));
    assert.deepEqual(of(a, "send"), [
      {
        kind: "send",
        to: "fe80::9",
        message: { solicit: false, advertise: true, kind: "transit", hostname: "sw0" },
      },
    ]);
    assert.deepEqual(counts(a), ["solicitations_received", "advertisements_sent"]);
    assert.equal(d.name(), "solicit");
    assert.equal(d.state.timers.expire, undefined);
  });

  it("drops an advertisement whose version it does not speak, and counts it", () => {
    const d = new Driver().toSolicit();
    const a = d.feed(advert(PEER, "sled1", null));
    assert.equal(d.name(), "solicit");
    assert.deepEqual(counts(a), ["advertisements_received", "advert_unknown_version_dropped"]);
  });

  it("drops its own packets", () => {
    const d = new Driver().toSolicit();
    assert.deepEqual(counts(d.feed(advert(LINK.addr))), ["own_packet_dropped"]);
  });

  it("handles a packet with both flags as a solicitation and an advertisement", () => {
    const d = new Driver().toSolicit();
    const ev = advert();
    if (ev.kind !== "packet") throw new Error("fixture");
    const a = d.feed({ ...ev, packet: { ...ev.packet, solicit: true } });
    assert.equal(of(a, "send").length, 1);
    assert.equal(d.name(), "exchange");
  });

  it("expires a silent neighbour exactly expireThreshold after its last advertisement", () => {
    const d = new Driver(0).toExchange();
    d.advanceTo(3000);
    d.feed(advert()); // refresh at 3000
    d.advanceTo(7999);
    assert.equal(d.name(), "exchange");
    d.actions = [];
    d.advanceTo(8000);
    assert.equal(d.name(), "solicit");
    assert.deepEqual(
      // The solicit timer is also due at 8000; its send, count and re-arm are not the point here.
      d.actions.filter(
        (a) =>
          a.kind !== "send" &&
          a.kind !== "arm" &&
          !(a.kind === "count" && a.counter === "solicitations_sent"),
      ),
      [
        { kind: "count", counter: "peer_expirations" },
        { kind: "stopExchangeServer" },
        { kind: "expireRoutes", nexthop: PEER, ifName: "eth1" },
        { kind: "transition", from: "exchange", to: "solicit", reason: "neighbor-expired" },
      ],
    );
    assert.equal(d.state.name === "solicit" && d.state.neighbor, null);
  });

  it("ignores a timer fire whose generation is stale", () => {
    const d = new Driver(0).toExchange();
    const old = d.state.timers.expire!;
    d.feed(advert()); // re-arms with a new generation
    assert.deepEqual(d.feed({ kind: "timer", timer: "expire", gen: old }), []);
    assert.equal(d.name(), "exchange");
  });

  it("fails back to Init when a discovery socket fails", () => {
    const d = new Driver().toSolicit();
    const a = d.feed({ kind: "discoveryFailed", reason: "EADDRNOTAVAIL" });
    assert.equal(d.name(), "init");
    assert.deepEqual(kinds(a), ["stopDiscovery", "cancel", "transition", "resolveAddress"]);
    assert.deepEqual(d.state.timers, {});
  });
});

describe("ddm interface machine: Exchange (spec §1.2, §1.3)", () => {
  it("enters Exchange on an advertisement, starts the server, then pulls with the advertised version", () => {
    const d = new Driver(10).toSolicit();
    const a = d.feed(advert(PEER, "sled1", 3));
    assert.equal(d.name(), "exchange");
    assert.deepEqual(counts(a), ["advertisements_received", "peer_sessions_established"]);
    const epoch = d.state.epoch;
    assert.deepEqual(of(a, "startExchangeServer"), [
      { kind: "startExchangeServer", link: LINK, peer: PEER, epoch },
    ]);
    const b = d.feed({ kind: "serverStarted", epoch });
    assert.deepEqual(of(b, "pull"), [
      { kind: "pull", peer: PEER, version: 3, reason: "initial", epoch, timeout: DEFAULT_TIMERS.pullTimeout },
    ]);
  });

  it("retries a failed initial pull every solicitInterval until it succeeds", () => {
    const d = new Driver(0).toSolicit();
    d.feed(advert());
    const epoch = d.state.epoch;
    d.feed({ kind: "serverStarted", epoch });
    d.feed({ kind: "pullResult", epoch, peer: PEER, reason: "initial", ok: false });
    d.actions = [];
    d.advanceTo(1999);
    assert.equal(of(d.actions, "pull").length, 0);
    d.advanceTo(2000);
    assert.equal(of(d.actions, "pull").length, 1);
    d.feed({ kind: "pullResult", epoch, peer: PEER, reason: "initial", ok: true });
    assert.equal((d.state as ExchangeState).pull, "done");
  });

  it("ignores a pull result when no pull is in flight (fast-check seed -1488479937)", () => {
    const d = new Driver(0).toSolicit();
    d.feed(advert());
    const epoch = d.state.epoch;
    assert.equal((d.state as ExchangeState).server === "up", false);
    d.feed({ kind: "pullResult", epoch, peer: PEER, reason: "initial", ok: true });
    assert.notEqual((d.state as ExchangeState).pull, "done", "not pulled before the server is up");
    d.feed({ kind: "serverStarted", epoch });
    assert.equal((d.state as ExchangeState).pull, "in-flight");
  });

  it("retries the exchange server bind every second", () => {
    const d = new Driver(0).toSolicit();
    d.feed(advert());
    const epoch = d.state.epoch;
    d.feed({ kind: "serverFailed", epoch, reason: "EADDRINUSE" });
    d.actions = [];
    d.advanceTo(1000);
    assert.equal(of(d.actions, "startExchangeServer").length, 1);
  });

  it("pushes an admin announce with the path [own hostname]", () => {
    const d = new Driver().toExchange();
    const a = d.feed({ kind: "adminAnnounce", set: { kind: "underlay", prefixes: [net("fd00:1::", 64)] } });
    const p = of(a, "push")[0];
    assert.deepEqual(p?.update, {
      underlay: { announce: [{ destination: net("fd00:1::", 64), path: ["sw0"] }], withdraw: [] },
      tunnel: null,
    });
    assert.equal(p?.timeout, 3000);
    assert.deepEqual(counts(a), ["updates_sent"]);
  });

  it("pushes admin tunnel withdraws as tunnel-only updates", () => {
    const d = new Driver().toExchange();
    const t: TunnelOrigin = {
      overlayPrefix: { family: 4, addr: "203.0.113.0" as never, len: 24 },
      boundaryAddr: v6("fd00:99::1"),
      vni: 99,
      metric: 0n,
    };
    const a = d.feed({ kind: "adminWithdraw", set: { kind: "tunnel", origins: [t] } });
    assert.deepEqual(of(a, "push")[0]?.update, { underlay: null, tunnel: { announce: [], withdraw: [t] } });
  });

  it("drops admin and peer events outside Exchange, counted", () => {
    const d = new Driver().toSolicit();
    const a = d.feed({ kind: "adminAnnounce", set: { kind: "underlay", prefixes: [net("fd00:1::", 64)] } });
    assert.deepEqual(a, [{ kind: "count", counter: "event_dropped_not_exchanging" }]);
  });

  it("expires the peer on a push timeout or refused connection, keeping the neighbour for re-entry", () => {
    for (const outcome of ["timeout", "unreachable"] as const) {
      const d = new Driver().toExchange();
      const epoch = d.state.epoch;
      const a = d.feed({ kind: "pushResult", epoch, peer: PEER, outcome });
      assert.equal(d.name(), "solicit");
      assert.ok(counts(a).includes("update_send_fail"));
      assert.deepEqual(of(a, "transition")[0]?.reason, "push-failed");
      // The next advertisement starts a new session with a new epoch.
      d.feed(advert());
      assert.equal(d.name(), "exchange");
      assert.equal(d.state.epoch, epoch + 1);
      // A late result of the old session changes nothing.
      assert.deepEqual(d.feed({ kind: "pushResult", epoch, peer: PEER, outcome: "timeout" }), []);
      assert.equal(d.name(), "exchange");
    }
  });

  it("an HTTP error answering a push is a failure: counted apart and as a send failure, peer expired", () => {
    const d = new Driver().toExchange();
    const a = d.feed({ kind: "pushResult", epoch: d.state.epoch, peer: PEER, outcome: "rejected" });
    assert.equal(d.name(), "solicit");
    assert.ok(counts(a).includes("update_rejected"));
    assert.ok(counts(a).includes("update_send_fail"));
    assert.deepEqual(of(a, "transition")[0]?.reason, "push-failed");
    assert.deepEqual(of(a, "expireRoutes"), [{ kind: "expireRoutes", nexthop: PEER, ifName: "eth1" }]);
  });

  it("expires the peer administratively only when the address matches", () => {
    const d = new Driver().toExchange();
    assert.deepEqual(d.feed({ kind: "adminExpire", addr: v6("fe80::77") }), []);
    const a = d.feed({ kind: "adminExpire", addr: PEER });
    assert.equal(d.name(), "solicit");
    assert.deepEqual(of(a, "transition")[0]?.reason, "admin-expire");
    assert.deepEqual(of(a, "expireRoutes"), [{ kind: "expireRoutes", nexthop: PEER, ifName: "eth1" }]);
  });

  it("pulls on admin sync and does not retry a failed sync", () => {
    const d = new Driver().toExchange();
    const a = d.feed({ kind: "adminSync" });
    assert.equal(of(a, "pull")[0]?.reason, "sync");
    assert.deepEqual(
      d.feed({ kind: "pullResult", epoch: d.state.epoch, peer: PEER, reason: "sync", ok: false }),
      [],
    );
  });

  it("forwards the tunnel part of internal pushes and skips paths the peer is already on", () => {
    const d = new Driver().toExchange();
    const t: TunnelOrigin = {
      overlayPrefix: { family: 6, addr: v6("fd00:aa::"), len: 48 },
      boundaryAddr: v6("fd00:99::1"),
      vni: 99,
      metric: 18446744073709551615n,
    };
    const a = d.feed({
      kind: "peerPush",
      update: {
        underlay: {
          announce: [
            { destination: net("fd00:1::", 64), path: ["sled1", "sw1"] },
            { destination: net("fd00:2::", 64), path: ["sled2", "sw1"] },
          ],
          withdraw: [],
        },
        tunnel: { announce: [t], withdraw: [] },
      },
    });
    assert.deepEqual(of(a, "push")[0]?.update, {
      underlay: { announce: [{ destination: net("fd00:2::", 64), path: ["sled2", "sw1"] }], withdraw: [] },
      tunnel: { announce: [t], withdraw: [] },
    });
    const empty = d.feed({
      kind: "peerPush",
      update: {
        underlay: { announce: [{ destination: net("fd00:1::", 64), path: ["sled1"] }], withdraw: [] },
        tunnel: null,
      },
    });
    assert.deepEqual(empty, []);
  });

  it("follows a renumbered peer: drops old routes, repoints the server and pulls again, keeping the duration", () => {
    const d = new Driver(0).toExchange();
    const entered = d.state.enteredAt;
    d.now = 500;
    const a = d.feed(advert(v6("fe80::3")));
    assert.equal(d.name(), "exchange");
    assert.equal(d.state.enteredAt, entered);
    assert.deepEqual(
      a.filter((x) => x.kind !== "arm" && x.kind !== "count"),
      [
        { kind: "expireRoutes", nexthop: PEER, ifName: "eth1" },
        { kind: "setExchangePeer", peer: "fe80::3" },
        {
          kind: "pull",
          peer: "fe80::3",
          version: 2,
          reason: "renumber",
          epoch: d.state.epoch,
          timeout: DEFAULT_TIMERS.pullTimeout,
        },
      ],
    );
    assert.ok(counts(a).includes("peer_address_changes"));
    // A result addressed to the old peer is stale.
    assert.deepEqual(
      d.feed({ kind: "pushResult", epoch: d.state.epoch, peer: PEER, outcome: "timeout" }),
      [],
    );
    assert.equal(d.name(), "exchange");
  });

  it("updates the identity without side effects when the hostname changes at the same address", () => {
    const d = new Driver().toExchange();
    const a = d.feed(advert(PEER, "sled1-renamed"));
    assert.deepEqual(kinds(a), ["count", "arm"]);
    assert.equal((d.state as ExchangeState).neighbor.hostname, "sled1-renamed");
  });

  it("tears the exchange down and returns to Init when discovery fails", () => {
    const d = new Driver().toExchange();
    const a = d.feed({ kind: "discoveryFailed", reason: "ENETDOWN" });
    assert.equal(d.name(), "init");
    assert.deepEqual(kinds(a).slice(0, 3), ["stopExchangeServer", "expireRoutes", "stopDiscovery"]);
    assert.deepEqual(of(a, "transition")[0], {
      kind: "transition",
      from: "exchange",
      to: "init",
      reason: "discovery-failed",
    });
  });
});

describe("ddm peer status (spec §1.2, PR #689)", () => {
  it("reports the state's duration, reset on re-entry but not on renumbering", () => {
    const d = new Driver(0).toSolicit();
    d.now = 1000;
    d.feed(advert());
    assert.deepEqual(peerStatus(d.state, ms(4000)), {
      type: "Exchange",
      duration: 3000,
      peer: { addr: PEER, hostname: "sled1", kind: "server" },
    });
    d.now = 2000;
    d.feed(advert(v6("fe80::3")));
    assert.equal(peerStatus(d.state, ms(4000)).duration, 3000);
    d.now = 2500;
    d.feed({ kind: "adminExpire", addr: v6("fe80::3") });
    assert.deepEqual(peerStatus(d.state, ms(2600)), { type: "Solicit", duration: 100, peer: null });
    assert.equal(peerStatusV1("Solicit"), "NoContact");
    assert.equal(peerStatusV1("Exchange"), "Active");
  });
});
