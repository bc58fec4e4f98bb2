/**
 * A packet that reached the session before its Detection Time expiry is handled must count
 * (RFC 5880 §6.8.4: the session goes Down when no packet has been *received* for a Detection
 * Time). The runtime handles timer fires before mailbox messages, so after any stall of the
 * event loop a due detect fire used to overtake packets already queued for the session, and
 * every session whose deadline fell inside the stall went falsely Down (the benchmark saw
 * hundreds at once). A scripted peer on the in-memory network makes the order exact.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { encode } from "../../../protocols/bfd/index.js";
import type { Micros } from "../../../protocols/common/time.js";
import type { SenderSocket } from "../../../dataplane/bfd/index.js";
import { Lab, type Node, peerInput } from "./lab.js";

const A = "10.0.0.1";
const B = "10.0.0.2";
const PEER_DISCR = 77;

function packet(state: "Down" | "Up", yourDiscr: number): Uint8Array {
  return encode({
    diag: 0,
    state,
    poll: false,
    final: false,
    controlPlaneIndependent: false,
    demand: false,
    multipoint: false,
    detectMult: 3,
    myDiscr: PEER_DISCR,
    yourDiscr,
    desiredMinTx: 100_000 as Micros,
    requiredMinRx: 100_000 as Micros,
    requiredMinEchoRx: 0 as Micros,
    auth: null,
  });
}

describe("detection expiry against packets already queued", () => {
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
