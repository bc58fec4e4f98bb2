/**
 * What a listener counts for packets addressed to a deleted peer's session. Deleting a peer
 * retires its session with a hold: it keeps sending AdminDown for about a Detection Time
 * (RFC 5880 §6.8.16) while the remote, which does not know yet, keeps sending to it, and after
 * the hold the remote still names our discriminator until its own Detection Time of us runs
 * out. The listener's route is gone from the start of the hold, so those packets used to be
 * counted as `YOUR_DISCR_UNKNOWN` / `NO_SESSION`, the reasons operators alert on. They are the
 * expected tail of a planned deletion: they count as `retired-session` during the hold and a
 * bounded grace after it; after that, and for discriminators that never existed, as before.
 *
 * Node `a` has two peers on one listener (the last session on an address closes the listener
 * at once, and then nothing is received at all): B, a scripted remote whose packets are exact,
 * and C, silent, which only keeps the listener open. Their timers give a hold of 3 s.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { SenderSocket } from "../../../dataplane/bfd/index.js";
import { Lab, type Node, peerInput } from "./lab.js";
import { remotePacket } from "./remote-packet.js";

const A = "10.0.0.1";
const B = "10.0.0.2";
const C = "10.0.0.3";
const STRANGER = "10.0.0.9";
const LISTENER = `${A}|3784`;
const PEER_DISCR = 77;
/** The hold these timers give: 3 × the 1 s AdminDown rate (§6.8.3, §6.8.16). */
const HOLD_MS = 3000;

const packet = (state: "Down" | "Up", yourDiscr: number, myDiscr = PEER_DISCR): Uint8Array =>
  remotePacket(state, yourDiscr, myDiscr);

describe("listener drops for a deleted peer's session", () => {
  let lab: Lab;
  let a: Node;
  let remote: SenderSocket;
  let oldDiscr: number;
  /** Packets `a` sent to B. */
  let heardByB: number;

  /** `magnetite_bfd_listener_dropped_total` on `a`'s listener, by reason. */
  async function drops(): Promise<Record<string, number>> {
    const text = await a.system.registry.metrics();
    const out: Record<string, number> = {};
    const re = /^magnetite_bfd_listener_dropped_total\{listener="([^"]+)",reason="([^"]+)"\} (\d+)$/gm;
    for (const m of text.matchAll(re)) if (m[1] === LISTENER) out[m[2] as string] = Number(m[3]);
    return out;
  }

  /** What each reason gained since `before`. */
  async function gained(before: Record<string, number>): Promise<Record<string, number>> {
    const now = await drops();
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(now)) if (v !== (before[k] ?? 0)) out[k] = v - (before[k] ?? 0);
    return out;
  }

  /** The remote keeps talking to the deleted session for `ms`, one packet per 100 ms. */
  async function remoteKeepsSending(ms: number, yourDiscr = oldDiscr): Promise<number> {
    let n = 0;
    for (let t = 0; t < ms; t += 100) {
      remote.send(packet("Down", yourDiscr));
      n += 1;
      await lab.run(100, 50);
    }
    return n;
  }

  beforeEach(async () => {
    lab = new Lab();
    a = lab.node("a", [A], 1);
    const b = lab.net.host("b", [B]);
    const s = b.sender({ family: 4, local: B, peer: A, port: 3784 });
    assert.ok(s.ok);
    remote = s.value;
    const l = b.listen({ family: 4, address: B, port: 3784 });
    assert.ok(l.ok);
    heardByB = 0;
    l.value.handler = () => {
      heardByB += 1;
    };
    await lab.await(a.service.add(peerInput(B, A)));
    await lab.await(a.service.add(peerInput(C, A)));
    remote.send(packet("Down", 0));
    await lab.settle();
    oldDiscr = (await lab.await(a.service.get(B))).localDiscr;
    remote.send(packet("Up", oldDiscr));
    await lab.settle();
    assert.equal((await lab.await(a.service.get(B))).state, "Up");
    await lab.run(200, 50);
    assert.deepEqual(await drops(), {}, "nothing dropped before the deletion");
  });
  afterEach(async () => lab.stop());

  it("during the hold the remote's packets count as retired-session, not as a generic drop", async () => {
    await lab.await(a.service.remove(B));
    const n = await remoteKeepsSending(HOLD_MS - 500);
    // The remote may also have lost our discriminator (yourDiscr 0): matched by its address.
    remote.send(packet("Down", 0));
    await lab.settle();
    assert.deepEqual(await drops(), { "retired-session": n + 1 });
  });

  it("just after the hold the tail still counts as retired-session; after the grace, as YOUR_DISCR_UNKNOWN again", async () => {
    await lab.await(a.service.remove(B));
    await lab.run(HOLD_MS + 100, 50);
    // The hold is over: `a` no longer sends to B.
    const heard = heardByB;
    await lab.run(1500, 50);
    assert.equal(heardByB, heard, "no AdminDown after the hold");
    // Within the grace (the hold's length plus 1 s in flight): still the deletion's tail.
    const before = await drops();
    const n = await remoteKeepsSending(1000);
    assert.deepEqual(await gained(before), { "retired-session": n });
    // Past the grace: the discriminator means nothing any more.
    await lab.run(HOLD_MS + 1000, 100);
    const later = await drops();
    remote.send(packet("Down", oldDiscr));
    remote.send(packet("Down", 0));
    await lab.settle();
    assert.deepEqual(await gained(later), { YOUR_DISCR_UNKNOWN: 1, NO_SESSION: 1 });
  });

  it("a discriminator that never existed, or an unknown sender, counts as before even during a hold", async () => {
    await lab.await(a.service.remove(B));
    await lab.run(500, 50);
    const before = await drops();
    const stranger = lab.net
      .host("x", [STRANGER])
      .sender({ family: 4, local: STRANGER, peer: A, port: 3784 });
    assert.ok(stranger.ok);
    let never = (oldDiscr + 1) % 0xffff_ffff || 1;
    const c = (await lab.await(a.service.get(C))).localDiscr;
    if (never === c) never = (never + 1) % 0xffff_ffff || 1;
    for (let i = 0; i < 5; i++) {
      remote.send(packet("Down", never));
      stranger.value.send(packet("Down", 0, 99));
      remote.send(packet("Down", oldDiscr));
    }
    await lab.settle();
    assert.deepEqual(await gained(before), {
      YOUR_DISCR_UNKNOWN: 5,
      NO_SESSION: 5,
      "retired-session": 5,
    });
  });
});
