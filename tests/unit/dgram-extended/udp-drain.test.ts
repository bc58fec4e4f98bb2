/**
 * Event-driven receive drains in recvmmsg batches with a bound per readable
 * event, so a flooded socket yields to the rest of the loop.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createUdpSocket } from "dgram-extended";
import { collect } from "./wait.js";

describe("bounded drain", () => {
  it("delivers at most batchSize per JS call and maxPerEvent before the loop moves on", async () => {
    const rx = createUdpSocket({ family: 4, address: "127.0.0.1", port: 0, batchSize: 4, maxPerEvent: 8 });
    const tx = createUdpSocket({ family: 4 });
    try {
      const total = 64;
      let beforeImmediate = -1;
      let delivered = 0;
      rx.on("message", () => {
        delivered += 1;
        if (delivered === 1) {
          // Runs in the check phase right after this poll phase: everything
          // delivered by then came from one readable event.
          setImmediate(() => {
            beforeImmediate = delivered;
          });
        }
      });
      const all = collect(rx, total);
      // Queue everything before the loop gets to look at the socket.
      const burst = Array.from({ length: total }, (_, i) => Buffer.from(`d${i}`));
      assert.equal(tx.sendMany(burst, "127.0.0.1", rx.address().port), total);
      await all;
      const s = rx.stats();
      assert.equal(s.received, total);
      assert.ok(beforeImmediate > 0 && beforeImmediate <= 8, `delivered ${beforeImmediate} in one event`);
      // 64 datagrams in batches of at most 4.
      assert.ok(s.batches >= total / 4, `batches ${s.batches}`);
    } finally {
      rx.close();
      tx.close();
    }
  });
});
