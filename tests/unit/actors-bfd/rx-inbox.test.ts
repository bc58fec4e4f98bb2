/**
 * The listener → session hand-off queue: one wake-up per batch, a hard bound with refused
 * packets counted, FIFO drains, and packets offered during a drain kept for the next one.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RxInbox } from "../../../actors/bfd/rx-inbox.js";
import type { ReceivedPacket } from "../../../protocols/bfd/index.js";

/** Distinct stand-ins: the inbox never looks inside a packet. */
const pkt = (n: number) => ({ myDiscr: n }) as unknown as ReceivedPacket;
const discrOf = (p: ReceivedPacket) => p.myDiscr;

describe("RxInbox", () => {
  it("asks for one wake-up per batch and again after a drain", () => {
    const box = new RxInbox(8);
    assert.equal(box.offer(pkt(1), 255), "wake");
    assert.equal(box.offer(pkt(2), 255), "queued");
    const seen: number[] = [];
    assert.equal(
      box.drain((p) => seen.push(discrOf(p))),
      0,
    );
    assert.deepEqual(seen, [1, 2]);
    assert.equal(box.size, 0);
    assert.equal(box.offer(pkt(3), 255), "wake");
  });

  it("asks again after a failed wake-up", () => {
    const box = new RxInbox(8);
    assert.equal(box.offer(pkt(1), 255), "wake");
    box.wakeFailed();
    assert.equal(box.offer(pkt(2), 255), "wake");
    assert.equal(box.size, 2);
  });

  it("refuses past its capacity and reports the refusals once, at the next drain", () => {
    const box = new RxInbox(3);
    const outcomes = [1, 2, 3, 4, 5].map((n) => box.offer(pkt(n), 255));
    assert.deepEqual(outcomes, ["wake", "queued", "queued", "full", "full"]);
    const seen: number[] = [];
    assert.equal(
      box.drain((p) => seen.push(discrOf(p))),
      2,
    );
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(
      box.drain(() => assert.fail("nothing waits")),
      0,
    );
  });

  it("keeps the received TTL with each packet", () => {
    const box = new RxInbox(4);
    box.offer(pkt(1), 255);
    box.offer(pkt(2), undefined);
    box.offer(pkt(3), 254);
    const ttls: (number | undefined)[] = [];
    box.drain((_p, ttl) => ttls.push(ttl));
    assert.deepEqual(ttls, [255, undefined, 254]);
  });

  it("leaves packets offered during a drain for the next drain", () => {
    const box = new RxInbox(4);
    box.offer(pkt(1), 255);
    const first: number[] = [];
    box.drain((p) => {
      first.push(discrOf(p));
      assert.equal(box.offer(pkt(9), 255), "wake", "a new batch asks for its own wake-up");
    });
    assert.deepEqual(first, [1]);
    const second: number[] = [];
    box.drain((p) => second.push(discrOf(p)));
    assert.deepEqual(second, [9]);
  });

  it("clear forgets packets and refusals", () => {
    const box = new RxInbox(1);
    box.offer(pkt(1), 255);
    box.offer(pkt(2), 255);
    box.clear();
    assert.equal(box.size, 0);
    assert.equal(
      box.drain(() => assert.fail("cleared")),
      0,
    );
    assert.equal(box.offer(pkt(3), 255), "wake");
  });
});
