/**
 * A probe deadline (dataplane/probes/deadline.ts, used by the ICMP probe) in
 * a starved process: a reply that arrived while a busy turn outlasted it wins
 * over the timer (libuv runs due timers before it polls for I/O), and it
 * counts real time from its start, not the whole-millisecond loop time that
 * `setTimeout` counts from (up to a millisecond early).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { performance } from "node:perf_hooks";
import { describe, it } from "node:test";
import { startDeadline } from "../../../dataplane/probes/deadline.js";
import { createIcmpProbe, type EchoReply, type Pinger } from "../../../dataplane/probes/icmp.js";
import { checkPhase, echoPeer, lateInMillisecond, spin, spinToEarlyMillisecond } from "../probes/starve.js";

const never = new AbortController().signal;

describe("probe deadline in a starved process", () => {
  it("does not fire before the full timeout of real time, though the timer counts from a truncated loop time", async () => {
    // Five rounds: the first turn of a process may reach its poll phase late enough to hide it.
    for (let round = 0; round < 5; round++) {
      await checkPhase();
      lateInMillisecond();
      const before = performance.now();
      const d = startDeadline(never, 30);
      spinToEarlyMillisecond(15); // part of the timeout in the same turn
      await once(d.signal, "abort");
      const took = performance.now() - before;
      assert.equal(d.cause(), "timeout");
      assert.ok(took >= 30, `round ${round}: fired after ${took} ms of a 30 ms deadline`);
      d.dispose();
    }
  });

  it("a probe settled by an answer queued during a busy turn disposes its deadline before it fires", async () => {
    const peer = await echoPeer();
    try {
      await checkPhase();
      const d = startDeadline(never, 20);
      peer.socket.once("data", () => d.dispose()); // what a probe does once it settles
      peer.socket.write("x");
      spin(60); // past the deadline; the echo is queued for the poll phase after the timers
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(d.cause(), undefined);
      assert.equal(d.signal.aborted, false);
    } finally {
      await peer.stop();
    }
  });

  it("ICMP probe: a reply that arrived while a busy turn outlasted the timeout passes", async () => {
    const peer = await echoPeer();
    // A pinger whose reply comes over a real socket: the echo of what it wrote.
    const pinger: Pinger = {
      echo: () =>
        new Promise<EchoReply>((resolve) => {
          const sent = performance.now();
          peer.socket.once("data", () => resolve({ ok: true, rttMs: performance.now() - sent }));
          peer.socket.write("echo");
        }),
    };
    try {
      const probe = createIcmpProbe({ pinger, timeoutMs: 50 });
      await checkPhase();
      const pending = probe.run({ address: "127.0.0.1" }, never);
      spin(150); // the reply is queued in our socket long before this ends
      const r = await pending;
      assert.equal(r.code, "ok", `${r.code}: ${r.detail}`);
    } finally {
      await peer.stop();
    }
  });

  it("ICMP probe: with no reply, a busy turn past the timeout still ends in a timeout", async () => {
    const pinger: Pinger = { echo: () => new Promise<EchoReply>(() => {}) };
    const probe = createIcmpProbe({ pinger, timeoutMs: 50 });
    await checkPhase();
    const pending = probe.run({ address: "127.0.0.1" }, never);
    spin(100);
    const r = await pending;
    assert.equal(r.code, "timeout");
    assert.match(r.detail, /within 50 ms/);
  });
});
