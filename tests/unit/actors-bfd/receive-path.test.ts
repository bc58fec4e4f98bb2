/**
 * The receive path of one session, with a scripted peer on the in-memory network so the order
 * of packets and timer fires is exact.
 *
 * A packet that reached the session before its Detection Time expiry is handled must count
 * (RFC 5880 §6.8.4: the session goes Down when no packet has been *received* for a Detection
 * Time). The runtime handles timer fires before mailbox messages, so after any stall of the
 * event loop a due detect fire used to overtake packets already queued for the session, and
 * every session whose deadline fell inside the stall went falsely Down (the benchmark saw
 * hundreds at once). Bursts: a session handles every waiting packet per wake-up (it used to
 * take one per turn of the event loop, so a slow turn grew its queue until `queue-full`).
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { SenderSocket } from "../../../dataplane/bfd/index.js";
import { SESSION_RX_QUEUE } from "../../../actors/bfd/session-actor.js";
import { Lab, type Node, peerInput } from "./lab.js";
import { remotePacket } from "./remote-packet.js";

const A = "10.0.0.1";
const B = "10.0.0.2";
const PEER_DISCR = 77;

const packet = (state: "Down" | "Up", yourDiscr: number): Uint8Array =>
  remotePacket(state, yourDiscr, PEER_DISCR);

describe("a session's receive path", () => {
  let lab: Lab;
  let a: Node;
  let peer: SenderSocket;

  const snapshot = () => lab.await(a.service.get(B));

  beforeEach(async () => {
    lab = new Lab();
    a = lab.node("a", [A], 1);
    const s = lab.net.host("b", [B]).sender({ family: 4, local: B, peer: A, port: 3784 });
    assert.ok(s.ok);
    peer = s.value;
    await lab.await(a.service.add(peerInput(B, A)));
    peer.send(packet("Down", 0));
    await lab.settle();
    const discr = (await snapshot()).localDiscr;
    peer.send(packet("Up", discr));
    await lab.settle();
    assert.equal((await snapshot()).state, "Up");
  });
  afterEach(async () => lab.stop());

  it("a packet queued before the due detect fire is handled keeps the session Up", async () => {
    const s = await snapshot();
    const dt = (s.detectionTimeUs ?? 0) / 1000;
    assert.ok(dt > 0);
    // The loop stalls past the deadline: the detect fire is queued but not yet handled…
    lab.clock.advance(dt + 50);
    // …and the peer's packet, which arrived meanwhile, is queued behind it.
    peer.send(packet("Up", s.localDiscr));
    await lab.settle();
    const after = await snapshot();
    assert.equal(after.state, "Up", "the queued packet counts before the expiry is judged");
    assert.equal(after.counters.flaps, 0);
  });

  it("a burst that arrives within one turn is handled in full, one wake-up", async () => {
    const s = await snapshot();
    const n = SESSION_RX_QUEUE - 4;
    for (let i = 0; i < n; i++) peer.send(packet("Up", s.localDiscr));
    await lab.settle();
    const after = await snapshot();
    assert.equal(after.counters.received - s.counters.received, n);
    assert.deepEqual(after.counters.drops, {});
    assert.equal(after.state, "Up");
  });

  it("beyond the inbox's bound packets are refused and counted as queue-full", async () => {
    const s = await snapshot();
    const extra = 7;
    for (let i = 0; i < SESSION_RX_QUEUE + extra; i++) peer.send(packet("Up", s.localDiscr));
    await lab.settle();
    const after = await snapshot();
    assert.equal(after.counters.received - s.counters.received, SESSION_RX_QUEUE);
    assert.equal(after.counters.drops["queue-full"], extra);
    // The next packet goes through again.
    peer.send(packet("Up", s.localDiscr));
    await lab.settle();
    assert.equal((await snapshot()).counters.received - s.counters.received, SESSION_RX_QUEUE + 1);
  });

  it("with nothing queued the expiry still fires on time", async () => {
    const s = await snapshot();
    const dt = (s.detectionTimeUs ?? 0) / 1000;
    const t0 = lab.clock.now();
    const took = await lab.until(async () => (await snapshot()).state === "Down", dt + 100, 5);
    const last = (await snapshot()).history.at(-1);
    assert.equal(last?.reason, "detection-expired");
    assert.ok((last?.atMono ?? 0) - t0 <= dt, `expired ${(last?.atMono ?? 0) - t0} ms after the last packet`);
    assert.ok(took <= dt + 5);
  });
});
