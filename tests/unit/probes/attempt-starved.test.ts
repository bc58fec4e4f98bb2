/**
 * A Node-socket probe attempt (dataplane/probes/attempt.ts, the host-name
 * path) in a starved process. libuv runs due timers before it polls for
 * I/O, so an answer that arrived during a turn that outlasted the deadline
 * would lose to the timer; and `setTimeout` counts from the loop time in
 * whole milliseconds, so it can fire up to a millisecond before its delay of
 * real time. The attempt's deadline is real time from its start, and an
 * answer already queued wins.
 */
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { describe, it } from "node:test";
import { Attempt } from "../../../dataplane/probes/attempt.js";
import { checkPhase, echoPeer, lateInMillisecond, spin, spinToEarlyMillisecond } from "./starve.js";

describe("probe attempt deadline in a starved process", () => {
  it("no timeout before the full timeout of real time, though the timer counts from a truncated loop time", async () => {
    // Five rounds: the first turn of a process may reach its poll phase late enough to hide it.
    for (let round = 0; round < 5; round++) {
      await checkPhase();
      lateInMillisecond();
      const before = performance.now();
      const a = new Attempt(30, undefined, "not done within 30 ms");
      spinToEarlyMillisecond(15); // part of the timeout in the same turn
      const r = await a.promise;
      const took = performance.now() - before;
      assert.equal(r.code, "timeout");
      assert.equal(r.detail, "not done within 30 ms");
      assert.ok(took >= 30, `round ${round}: timed out after ${took} ms of a 30 ms timeout`);
    }
  });

  it("an answer that arrived while a busy turn outlasted the deadline wins over the timer", async () => {
    const peer = await echoPeer();
    try {
      await checkPhase();
      const a = new Attempt(50, undefined, "not done within 50 ms");
      peer.socket.once("data", (d) => a.pass(`answer ${d.toString("latin1")}`, "graceful"));
      peer.socket.write("pong");
      spin(150); // the echo is back in our socket's buffer long before this ends
      const r = await a.promise;
      assert.equal(r.code, "ok", `${r.code}: ${r.detail}`);
      assert.equal(r.detail, "answer pong");
    } finally {
      await peer.stop();
    }
  });

  it("with nothing to answer, a busy turn past the deadline still ends in a timeout", async () => {
    await checkPhase();
    const before = performance.now();
    const a = new Attempt(50, undefined, "not done within 50 ms");
    spin(100);
    const r = await a.promise;
    assert.equal(r.code, "timeout");
    assert.ok(performance.now() - before < 1000);
  });

  it("an owner's abort still ends the attempt at once", async () => {
    const owner = new AbortController();
    const a = new Attempt(10_000, owner.signal, "never");
    owner.abort();
    assert.equal((await a.promise).code, "aborted");
  });
});
