import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  createSession,
  RETIRE_HOLD_MAX_MS,
  retireHoldMs,
  sessionConfig,
} from "../../../protocols/bfd/session.js";
import { detectionTimeMs, holdUntil, txIntervalMs } from "../../../protocols/bfd/session-effects.js";
import { Diag } from "../../../protocols/bfd/types.js";
import type { Micros } from "../../../protocols/common/time.js";
import { millis } from "../../../protocols/common/time.js";
import { config, Driver, ofKind, peer, seeded } from "./harness.js";

const us = (n: number): Micros => n as Micros;

/** Gaps between consecutive periodic sends in [from, to). */
function periodicGaps(d: Driver, from: number): number[] {
  const times = d
    .sent(from)
    .filter((s) => s.reason === "periodic")
    .map((s) => s.at);
  return times.slice(1).map((t, i) => t - (times[i] ?? 0));
}

describe("bfd session (RFC 5880 §6.8)", () => {
  it("§6.8.1: a new session starts Down with zero diag, unknown peer and Remote Min RX 1 µs", () => {
    const d = new Driver(config());
    const s = d.session;
    assert.equal(s.state, "Down");
    assert.equal(s.diag, Diag.None);
    assert.equal(s.remote.discr, 0);
    assert.equal(s.remote.minRx, 1);
    const first = d.sent()[0];
    assert.equal(first?.packet.yourDiscr, 0);
    assert.equal(first?.packet.state, "Down");
  });

  it("§6.8.1: XmitAuthSeq starts at a random value", () => {
    const a = createSession(config(), millis(0), seeded(1)).session.auth.xmitSeq;
    const b = createSession(config(), millis(0), seeded(2)).session.auth.xmitSeq;
    assert.notEqual(a, b);
  });

  it("§4.1: rejects a zero Desired Min TX, a zero discriminator and a zero Detect Mult at the edge", () => {
    const base = { localDiscr: 1, detectMult: 3, desiredMinTxUs: 1, requiredMinRxUs: 0 };
    assert.equal(sessionConfig(base).ok, true);
    assert.equal(sessionConfig({ ...base, desiredMinTxUs: 0 }).ok, false);
    assert.equal(sessionConfig({ ...base, localDiscr: 0 }).ok, false);
    assert.equal(sessionConfig({ ...base, detectMult: 0 }).ok, false);
    assert.equal(sessionConfig({ ...base, requiredMinRxUs: 2 ** 32 }).ok, false);
  });

  it("§6.8.3: advertises Desired Min TX of at least 1 s and sends slowly while not Up", () => {
    const d = new Driver(config({ desiredMinTxUs: 50_000 }));
    d.advance(10_000);
    assert.ok(d.sent().every((s) => s.packet.desiredMinTx === 1_000_000));
    const gaps = periodicGaps(d, 0);
    assert.ok(gaps.length >= 9);
    assert.ok(
      gaps.every((g) => g >= 750 && g < 1000),
      String(gaps),
    );
  });

  it("§6.8.6: handshake Down → Init → Up announces each state at once", () => {
    const d = new Driver(config());
    const a1 = d.rx(peer({ state: "Down", yourDiscr: 0 }));
    assert.deepEqual(
      ofKind(a1, "transition").map((t) => [t.from, t.to, t.reason]),
      [["Down", "Init", "received-down"]],
    );
    assert.equal(ofKind(a1, "send")[0]?.packet.state, "Init");
    assert.equal(ofKind(a1, "send")[0]?.packet.yourDiscr, 2);
    const a2 = d.rx(peer({ state: "Up" }));
    assert.equal(d.session.state, "Up");
    assert.equal(ofKind(a2, "send")[0]?.reason, "state-change");
  });

  it("§6.8.7: once Up the TX interval is max(local Desired Min TX, remote Required Min RX)", () => {
    const d = new Driver(config({ desiredMinTxUs: 100_000 }));
    d.bringUp({ requiredMinRx: us(500_000) });
    assert.equal(txIntervalMs(d.session), 500);
    const t = d.now;
    for (let i = 0; i < 40; i++) {
      d.advance(250);
      d.rx(peer({ state: "Up", requiredMinRx: us(500_000) }));
    }
    const gaps = periodicGaps(d, t);
    assert.ok(gaps.length > 10);
    assert.ok(
      gaps.every((g) => g >= 375 && g < 500),
      String(gaps),
    );
    d.rx(peer({ state: "Up", requiredMinRx: us(10_000) }));
    assert.equal(txIntervalMs(d.session), 100);
  });

  it("§6.8.7: jitter keeps intervals within 75–100 % of the negotiated interval", () => {
    const d = new Driver(config({ desiredMinTxUs: 100_000, requiredMinRxUs: 100_000 }));
    d.bringUp({ requiredMinRx: us(100_000), desiredMinTx: us(100_000) });
    const t = d.now;
    for (let i = 0; i < 200; i++) {
      d.advance(50);
      d.rx(peer({ state: "Up", requiredMinRx: us(100_000), desiredMinTx: us(100_000) }));
    }
    const gaps = periodicGaps(d, t + 1000);
    assert.ok(gaps.length > 50);
    assert.ok(Math.min(...gaps) >= 75 && Math.max(...gaps) < 100);
    assert.ok(Math.max(...gaps) - Math.min(...gaps) > 15, "jitter actually varies");
  });

  it("§6.8.7: with Detect Mult 1 the interval lies within 75–90 %", () => {
    const d = new Driver(config({ detectMult: 1, desiredMinTxUs: 100_000 }));
    d.bringUp({ requiredMinRx: us(100_000), desiredMinTx: us(100_000) });
    const t = d.now;
    for (let i = 0; i < 200; i++) {
      d.advance(50);
      d.rx(peer({ state: "Up", requiredMinRx: us(100_000), desiredMinTx: us(100_000) }));
    }
    const gaps = periodicGaps(d, t + 1000);
    assert.ok(Math.min(...gaps) >= 75 && Math.max(...gaps) <= 90, String(gaps));
  });

  it("§6.8.4: Detection Time is remote Detect Mult × max(local Required Min RX, remote Desired Min TX)", () => {
    const d = new Driver(config({ requiredMinRxUs: 200_000 }));
    d.bringUp({ detectMult: 5, desiredMinTx: us(300_000) });
    assert.equal(detectionTimeMs(d.session), 1500);
    d.rx(peer({ state: "Up", detectMult: 4, desiredMinTx: us(100_000) }));
    assert.equal(detectionTimeMs(d.session), 800);
  });

  it("§6.8.4: detection expiry takes Up to Down with diag 1, never earlier", () => {
    const d = new Driver(config());
    d.bringUp();
    const t = d.now;
    d.advance(899);
    assert.equal(d.session.state, "Up");
    const a = d.advance(1);
    assert.equal(d.session.state, "Down");
    assert.equal(d.session.diag, Diag.ControlDetectionExpired);
    assert.equal(d.now - t, 900);
    assert.deepEqual(
      ofKind(a, "transition").map((x) => x.reason),
      ["detection-expired"],
    );
  });

  it("§6.8.1: RemoteDiscr resets to 0 after a Detection Time without packets, even in Down", () => {
    const d = new Driver(config());
    d.rx(peer({ state: "AdminDown", yourDiscr: 0 }));
    assert.equal(d.session.remote.discr, 2);
    d.advance(900);
    assert.equal(d.session.remote.discr, 0);
    assert.equal(d.sent(d.now).at(-1)?.packet.yourDiscr ?? 0, 0);
  });

  it("§6.8.3: remote Required Min RX of 0 stops periodic transmission, Polls are still answered", () => {
    const d = new Driver(config());
    d.bringUp({ requiredMinRx: us(0) });
    assert.equal(d.timers.has("tx"), false);
    const t = d.now;
    for (let i = 0; i < 10; i++) {
      d.advance(250);
      d.rx(peer({ state: "Up", requiredMinRx: us(0) }));
    }
    assert.equal(d.sent(t + 1).length, 0);
    const a = d.rx(peer({ state: "Up", requiredMinRx: us(0), poll: true }));
    assert.equal(ofKind(a, "send")[0]?.packet.final, true);
  });

  it("§6.8.3: a lowered Remote Min RX is honoured at once, sending now if the new interval passed", () => {
    const d = new Driver(config({ desiredMinTxUs: 100_000 }));
    d.bringUp({ requiredMinRx: us(2_000_000) });
    const lastTx = d.session.lastTxAt ?? 0;
    d.advance(200);
    const a = d.rx(peer({ state: "Up", requiredMinRx: us(100_000) }));
    const arm = ofKind(a, "arm").find((x) => x.timer === "tx");
    assert.equal(arm?.at, d.now, "re-armed to fire immediately");
    assert.ok(d.now - lastTx >= 100);
  });

  it("§6.5: a received Poll is answered with a Final at once, P clear", () => {
    const d = new Driver(config());
    d.bringUp();
    d.apply({ kind: "set-params", params: { desiredMinTx: us(200_000) } }); // our own Poll runs
    const a = d.rx(peer({ state: "Up", poll: true }));
    const sends = ofKind(a, "send");
    assert.equal(sends.length, 1);
    assert.equal(sends[0]?.reason, "final");
    assert.equal(sends[0]?.packet.final, true);
    assert.equal(sends[0]?.packet.poll, false, "P and F never both set (§6.8.7)");
  });

  it("§6.5: a parameter change while Up starts a Poll on the periodic packets; a Final ends it", () => {
    const d = new Driver(config());
    d.bringUp();
    d.rx(peer({ state: "Up", final: true })); // completes the Poll started by going Up
    assert.equal(d.session.poll, null);
    d.advance(1);
    const t0 = d.now;
    const a = d.apply({ kind: "set-params", params: { requiredMinRx: us(400_000) } });
    assert.deepEqual(ofKind(a, "poll"), [{ kind: "poll", event: "started" }]);
    assert.equal(ofKind(a, "send").length, 0, "no extra packet while periodic TX runs");
    d.advance(300);
    const polls = d.sent(t0);
    assert.ok(polls.length >= 1 && polls.every((s) => s.packet.poll && s.packet.requiredMinRx === 400_000));
    const done = d.rx(peer({ state: "Up", final: true }));
    assert.deepEqual(ofKind(done, "poll"), [{ kind: "poll", event: "completed" }]);
    d.advance(300);
    assert.ok(d.sent(d.now - 299).every((s) => !s.packet.poll));
  });

  it("§6.5: a Final with no Poll outstanding is ignored", () => {
    const d = new Driver(config());
    d.bringUp();
    d.rx(peer({ state: "Up", final: true }));
    const a = d.rx(peer({ state: "Up", final: true }));
    assert.equal(ofKind(a, "poll").length, 0);
    assert.equal(d.session.state, "Up");
  });

  it("§6.8.3: an increased Desired Min TX waits for the Final before slowing transmission", () => {
    const d = new Driver(config({ desiredMinTxUs: 100_000 }));
    d.bringUp({ requiredMinRx: us(100_000) });
    d.rx(peer({ state: "Up", requiredMinRx: us(100_000), final: true }));
    d.apply({ kind: "set-params", params: { desiredMinTx: us(500_000) } });
    assert.equal(d.session.advertised.tx, 500_000);
    assert.equal(txIntervalMs(d.session), 100, "old interval until the Final");
    d.rx(peer({ state: "Up", requiredMinRx: us(100_000), final: true }));
    assert.equal(txIntervalMs(d.session), 500);
  });

  it("§6.8.3: a decreased Required Min RX keeps the old Detection Time until the Final", () => {
    const d = new Driver(config({ requiredMinRxUs: 500_000 }));
    d.bringUp({ desiredMinTx: us(100_000) });
    d.rx(peer({ state: "Up", desiredMinTx: us(100_000), final: true }));
    assert.equal(detectionTimeMs(d.session), 1500);
    d.apply({ kind: "set-params", params: { requiredMinRx: us(100_000) } });
    assert.equal(d.session.advertised.rx, 100_000);
    assert.equal(detectionTimeMs(d.session), 1500);
    d.rx(peer({ state: "Up", desiredMinTx: us(100_000), final: true }));
    assert.equal(detectionTimeMs(d.session), 300);
  });

  it("§6.8.3: a decreased Desired Min TX and an increased Required Min RX apply at once", () => {
    const d = new Driver(config({ desiredMinTxUs: 500_000 }));
    d.bringUp({ requiredMinRx: us(10_000) });
    d.rx(peer({ state: "Up", requiredMinRx: us(10_000), final: true }));
    d.apply({ kind: "set-params", params: { desiredMinTx: us(100_000), requiredMinRx: us(900_000) } });
    assert.equal(txIntervalMs(d.session), 100);
    assert.equal(d.session.inUse.rx, 900_000);
  });

  it("§6.8.3: going Up starts a Poll that lowers Desired Min TX from the slow 1 s", () => {
    const d = new Driver(config({ desiredMinTxUs: 100_000 }));
    d.rx(peer({ state: "Down", yourDiscr: 0 }));
    const a = d.rx(peer({ state: "Up" }));
    assert.deepEqual(ofKind(a, "poll"), [{ kind: "poll", event: "started" }]);
    const announce = ofKind(a, "send")[0]?.packet;
    assert.equal(announce?.poll, true);
    assert.equal(announce?.desiredMinTx, 100_000);
  });

  it("§6.8.12: a Detect Mult change needs no Poll", () => {
    const d = new Driver(config());
    d.bringUp();
    d.rx(peer({ state: "Up", final: true }));
    const a = d.apply({ kind: "set-params", params: { detectMult: 5 as never } });
    assert.equal(ofKind(a, "poll").length, 0);
    d.advance(300);
    assert.equal(d.sent(d.now - 300).at(-1)?.packet.detectMult, 5);
  });

  it("§6.8.16/§6.8.1: a retiring session holds for the peer's Detection Time of its slow AdminDown packets", () => {
    const never = new Driver(config());
    never.apply({ kind: "admin-down" });
    assert.equal(retireHoldMs(never.session, never.now), 0, "a peer never heard needs no hold");
    const d = new Driver(config());
    d.bringUp();
    d.apply({ kind: "admin-down" });
    // Our multiplier 3 × max(the peer's Required Min RX, the ≥ 1 s we now advertise).
    assert.equal(retireHoldMs(d.session, d.now), 3000);
    const many = new Driver(config({ detectMult: 255 }));
    many.bringUp();
    many.apply({ kind: "admin-down" });
    assert.equal(retireHoldMs(many.session, many.now), RETIRE_HOLD_MAX_MS);
    const quiet = new Driver(config());
    quiet.bringUp();
    quiet.rx(peer({ state: "Up", requiredMinRx: us(0) }));
    quiet.apply({ kind: "admin-down" });
    assert.equal(retireHoldMs(quiet.session, quiet.now), 0, "the peer asked for no packets");
  });

  it("§6.8.16: admin down sends diag 7 at once, stops detection and discards received packets", () => {
    const d = new Driver(config());
    d.bringUp();
    const a = d.apply({ kind: "admin-down" });
    assert.equal(d.session.state, "AdminDown");
    assert.equal(ofKind(a, "send")[0]?.packet.diag, Diag.AdminDown);
    assert.equal(ofKind(a, "send")[0]?.packet.state, "AdminDown");
    assert.ok(ofKind(a, "cancel").some((c) => c.timer === "detect"));
    const r = d.rx(peer({ state: "Up" }));
    assert.deepEqual(
      ofKind(r, "discard").map((x) => x.discard.code),
      ["LOCAL_ADMIN_DOWN"],
    );
    d.advance(5000);
    assert.equal(d.session.state, "AdminDown", "no detection while AdminDown");
    assert.ok(d.sent(d.now - 3000).every((s) => s.packet.state === "AdminDown"));
    d.apply({ kind: "admin-up" });
    assert.equal(d.session.state, "Down");
    assert.equal(d.session.diag, Diag.None);
  });

  it("§6.8.16: admin down may carry diag 5 Path Down", () => {
    const d = new Driver(config());
    d.apply({ kind: "admin-down", diag: Diag.PathDown });
    assert.equal(d.session.diag, Diag.PathDown);
  });

  it("§6.1: a passive session sends nothing until it hears the peer, and after silence again", () => {
    const d = new Driver(config({ passive: true }));
    d.advance(5000);
    assert.equal(d.sent().length, 0);
    d.rx(peer({ state: "Down", yourDiscr: 0 }));
    assert.ok(d.sent().length >= 1);
    d.advance(900); // Detection Time: RemoteDiscr resets (§6.8.1)
    const n = d.sent().length;
    d.advance(5000);
    assert.equal(d.sent().length, n);
  });

  it("§6.8.7: the peer's Demand bit with both Up stops periodic TX; a Poll of ours still goes out", () => {
    const d = new Driver(config());
    d.bringUp({ demand: true });
    d.rx(peer({ state: "Up", demand: true, final: true }));
    assert.equal(d.timers.has("tx"), false);
    const t = d.now;
    for (let i = 0; i < 8; i++) {
      d.advance(250);
      d.rx(peer({ state: "Up", demand: true }));
    }
    assert.equal(d.sent(t + 1).length, 0, "silent while the peer is in Demand mode");
    d.apply({ kind: "set-params", params: { requiredMinRx: us(600_000) } });
    d.advance(300);
    assert.ok(d.sent(t + 1).some((s) => s.packet.poll));
    assert.equal(d.session.state, "Up");
  });

  it("stale timer generations are ignored", () => {
    const d = new Driver(config());
    const gen = d.timers.get("tx")?.gen ?? 0;
    d.rx(peer({ state: "Down", yourDiscr: 0 })); // state change re-arms tx
    const a = d.apply({ kind: "timer", timer: "tx", gen });
    assert.equal(a.length, 0);
  });

  it("RFC 5881 §5: a single-hop packet with TTL below 255 is discarded", () => {
    const d = new Driver(config());
    const a = d.rx(peer({ state: "Down", yourDiscr: 0 }), 254);
    assert.deepEqual(
      ofKind(a, "discard").map((x) => x.discard.code),
      ["TTL"],
    );
    assert.equal(d.session.state, "Down");
    d.rx(peer({ state: "Down", yourDiscr: 0 }), 255);
    assert.equal(d.session.state, "Init");
  });

  it("§6.8.6 step 7: a packet for another discriminator does not drive this session", () => {
    const d = new Driver(config());
    const a = d.rx(peer({ state: "Init", yourDiscr: 99 }));
    assert.equal(ofKind(a, "discard")[0]?.discard.code, "YOUR_DISCR_UNKNOWN");
    assert.equal(d.session.state, "Down");
  });

  it("§6.8.18: session state is held for a Detection Time after the last packet", () => {
    const d = new Driver(config());
    assert.equal(holdUntil(d.session), null);
    d.advance(10);
    d.rx(peer({ state: "Down", yourDiscr: 0 }));
    assert.equal(holdUntil(d.session), 10 + 900); // 3 × max(our 300 ms, the peer's 300 ms)
  });
});
