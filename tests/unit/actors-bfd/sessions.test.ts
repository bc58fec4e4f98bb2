/**
 * The BFD actor layer end to end on an in-memory network and a fake clock: two nodes reach Up,
 * detect a partition within the Detection Time, announce deletion with AdminDown, drive a Poll
 * on a live timer change, drop (and count) bad-TTL packets and junk, and refuse duplicates.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { encode } from "../../../protocols/bfd/index.js";
import type { Micros } from "../../../protocols/common/time.js";
import { Lab, type Node, peerInput } from "./lab.js";

const A = "10.0.0.1";
const B = "10.0.0.2";

async function state(n: Node, peer: string): Promise<string> {
  const all = await n.service.list();
  return all.find((s) => s.spec.peer === peer)?.state ?? "missing";
}

describe("BFD sessions between two nodes (in-memory network, fake clock)", () => {
  let lab: Lab;
  let a: Node;
  let b: Node;

  beforeEach(async () => {
    lab = new Lab();
    a = lab.node("a", [A], 1);
    b = lab.node("b", [B], 2);
    await lab.await(a.service.add(peerInput(B, A)));
    await lab.await(b.service.add(peerInput(A, B)));
  });
  afterEach(async () => lab.stop());

  it("reach Up and negotiate the 100 ms interval and 300 ms Detection Time", async () => {
    await lab.until(async () => (await state(a, B)) === "Up" && (await state(b, A)) === "Up", 5000);
    await lab.run(500);
    const s = await lab.await(a.service.get(B));
    assert.equal(s.txIntervalUs, 100_000);
    assert.equal(s.detectionTimeUs, 300_000);
    assert.equal(s.remoteState, "Up");
    assert.ok(s.sourcePort !== null && s.sourcePort >= 49152);
    assert.deepEqual(
      s.history.map((h) => h.to),
      ["Init", "Up"].slice(0, s.history.length),
    );
    assert.ok(s.counters.sent > 0 && s.counters.received > 0);
    assert.equal(s.counters.pollsCompleted >= 1, true, "the drop from the 1 s slow rate is a Poll (§6.8.3)");
  });

  it("exports one-hot state, transitions, packets and negotiated intervals per peer", async () => {
    await lab.until(async () => (await state(a, B)) === "Up", 5000);
    await lab.run(500);
    const m = await a.system.registry.metrics();
    assert.match(m, /magnetite_bfd_session_state\{peer="10\.0\.0\.2",state="Up"\} 1\n/);
    assert.match(m, /magnetite_bfd_session_state\{peer="10\.0\.0\.2",state="Down"\} 0\n/);
    assert.match(m, /magnetite_bfd_session_transitions_total\{peer="10\.0\.0\.2",to="Up",diag="none"\} 1\n/);
    assert.match(m, /magnetite_bfd_control_packets_sent_total\{peer="10\.0\.0\.2"\} [1-9]/);
    assert.match(m, /magnetite_bfd_control_packets_received_total\{peer="10\.0\.0\.2"\} [1-9]/);
    assert.match(m, /magnetite_bfd_session_tx_interval_seconds\{peer="10\.0\.0\.2"\} 0\.1\n/);
    assert.match(m, /magnetite_bfd_session_detection_time_seconds\{peer="10\.0\.0\.2"\} 0\.3\n/);
    lab.net.partition(A, B);
    await lab.until(async () => (await state(a, B)) === "Down", 1000, 5);
    const m2 = await a.system.registry.metrics();
    assert.match(
      m2,
      /magnetite_bfd_session_transitions_total\{peer="10\.0\.0\.2",to="Down",diag="control-detection-time-expired"\} 1\n/,
    );
    await lab.await(a.service.remove(B));
    // The session announces AdminDown for the peer's Detection Time (3 × 1 s) before it goes.
    await lab.run(4000);
    const m3 = await a.system.registry.metrics();
    assert.doesNotMatch(m3, /magnetite_bfd_session_state\{peer="10\.0\.0\.2"/, "a removed peer's gauges go");
  });

  it("detect a partition within the Detection Time and count the flap", async () => {
    await lab.until(async () => (await state(a, B)) === "Up", 5000);
    await lab.run(1000);
    lab.net.partition(A, B);
    const t0 = lab.clock.now();
    await lab.until(async () => (await state(a, B)) === "Down", 1000, 5);
    const s = await lab.await(a.service.get(B));
    const last = s.history.at(-1);
    assert.ok(last !== undefined);
    assert.equal(last.reason, "detection-expired");
    assert.equal(last.diag, 1);
    assert.ok(last.atMono - t0 <= 300, `detected after ${last.atMono - t0} ms`);
    assert.equal(s.counters.flaps, 1);
    lab.net.heal(A, B);
    await lab.until(async () => (await state(a, B)) === "Up", 5000);
  });

  it("a deleted peer announces AdminDown for a Detection Time, so the other side goes Down with diag 3 at once", async () => {
    await lab.until(async () => (await state(b, A)) === "Up", 5000);
    await lab.await(a.service.remove(B));
    await lab.run(20);
    const s = await lab.await(b.service.get(A));
    assert.equal(s.state, "Down");
    assert.equal(s.localDiag, 3);
    assert.equal(s.remoteState, "AdminDown");
    assert.deepEqual(lab.net.listening("a"), [], "the last session's listener is closed");
    assert.equal((await lab.await(a.service.list())).length, 0);
    // §6.8.16: AdminDown keeps going out at the slow rate (≥ 1 s outside Up) for the peer's
    // Detection Time, 3 × 1 s, so one lost packet does not turn the removal into a timeout there.
    const received = async () => (await lab.await(b.service.get(A))).counters.received;
    const first = await received();
    await lab.run(3200);
    const during = await received();
    assert.ok(
      during - first >= 2 && during - first <= 4,
      `${during - first} AdminDown packets during the hold`,
    );
    assert.equal((await lab.await(b.service.get(A))).remoteState, "AdminDown");
    await lab.run(3000);
    assert.equal(await received(), during, "nothing is sent once the hold is over");
  });

  it("a live timer change completes a Poll and the peer adopts the new Detection Time", async () => {
    await lab.until(async () => (await state(a, B)) === "Up", 5000);
    await lab.run(500);
    const before = await lab.await(a.service.get(B));
    await lab.await(a.service.update(B, { desiredTxUs: 200_000 }));
    await lab.run(1000);
    const after = await lab.await(a.service.get(B));
    assert.equal(after.counters.pollsCompleted, before.counters.pollsCompleted + 1);
    assert.equal(after.pollInProgress, false);
    assert.equal(after.txIntervalUs, 200_000);
    const remote = await lab.await(b.service.get(A));
    assert.equal(remote.detectionTimeUs, 600_000, "3 × max(100 ms RX, our 200 ms TX)");
    assert.equal(after.spec.desiredTxUs, 200_000);
    assert.equal(a.store.map.get(B)?.desired_tx, 200_000, "the change is persisted");
  });

  it("admin down shows on the peer as remote AdminDown and comes back Up on admin up", async () => {
    await lab.until(async () => (await state(b, A)) === "Up", 5000);
    await lab.await(a.service.update(B, { adminDown: true }));
    await lab.run(50);
    assert.equal(await lab.await(state(a, B)), "AdminDown");
    const rb = await lab.await(b.service.get(A));
    assert.equal(rb.remoteState, "AdminDown");
    assert.equal(rb.state, "Down");
    await lab.await(a.service.update(B, { adminDown: false }));
    await lab.until(async () => (await state(a, B)) === "Up", 5000);
  });

  it("drops and counts a packet whose TTL is not 255 (RFC 5881 §5) without disturbing the session", async () => {
    await lab.until(async () => (await state(a, B)) === "Up", 5000);
    const sa = await lab.await(a.service.get(B));
    const forged = encode({
      diag: 0,
      state: "Down",
      poll: false,
      final: false,
      controlPlaneIndependent: false,
      demand: false,
      multipoint: false,
      detectMult: 3,
      myDiscr: sa.remoteDiscr,
      yourDiscr: sa.localDiscr,
      desiredMinTx: 100_000 as Micros,
      requiredMinRx: 100_000 as Micros,
      requiredMinEchoRx: 0 as Micros,
      auth: null,
    });
    assert.ok(lab.net.deliver(B, 49999, A, 3784, forged, 254));
    await lab.run(20);
    const s = await lab.await(a.service.get(B));
    assert.equal(s.state, "Up", "a Down from a far-away sender must not take the session down");
    assert.equal(s.counters.drops["TTL"], 1);
  });

  it("junk on the listener is dropped and counted there, never reaching a session", async () => {
    await lab.until(async () => (await state(a, B)) === "Up", 5000);
    for (let i = 0; i < 1000; i++)
      lab.net.deliver("10.9.9.9", 5000, A, 3784, new Uint8Array([0x20, 0, 3, 24]));
    await lab.run(50);
    const s = await lab.await(a.service.get(B));
    assert.equal(s.state, "Up");
    assert.equal(Object.keys(s.counters.drops).length, 0);
    const text = await a.system.registry.metrics();
    assert.match(
      text,
      /magnetite_bfd_listener_dropped_total\{listener="10\.0\.0\.1\|3784",reason="LENGTH_EXCEEDS_PAYLOAD"\} 1000/,
    );
  });

  it("refuses a duplicate peer and reports bind failures as BFD_E_SOCKET", async () => {
    await assert.rejects(lab.await(a.service.add(peerInput(B, A))), { code: "BFD_E_PEER_EXISTS" });
    lab.net.failListen.add("10.0.0.3");
    await assert.rejects(lab.await(a.service.add(peerInput("10.0.0.4", "10.0.0.3"))), {
      code: "BFD_E_SOCKET",
    });
    await assert.rejects(lab.await(a.service.add(peerInput("fd00::4", A))), {
      code: "BFD_E_INVALID",
      details: { field: "listen" },
    });
  });
});
