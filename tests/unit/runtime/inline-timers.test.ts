import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ActorContext, stateless } from "../../../actors/runtime/index.js";
import { fakeSystem, gate } from "./helpers.js";

type M =
  | { t: "arm"; ms: number; inline: boolean }
  | { t: "cancel" }
  | { t: "fire"; n: number }
  | { t: "hold"; rearm?: boolean };

/** An actor that records its fires; `hold` keeps a receive open until `g` opens. */
function recorder(fired: number[], g: { promise: Promise<void> }) {
  let n = 0;
  return stateless<M>({
    kind: "recorder",
    receive: async (m: M, ctx: ActorContext<M>) => {
      switch (m.t) {
        case "arm":
          ctx.timers.arm("t", m.ms, { t: "fire", n: ++n }, { inline: m.inline });
          return;
        case "cancel":
          ctx.timers.cancel("t");
          return;
        case "fire":
          fired.push(m.n);
          return;
        case "hold":
          await g.promise;
          if (m.rearm === true) ctx.timers.arm("t", 100, { t: "fire", n: ++n }, { inline: true });
          return;
      }
    },
  });
}

describe("inline timer fires", () => {
  it("an idle actor handles an inline fire inside the timer's macrotask; a plain fire waits for a round", async () => {
    const { system, clock } = fakeSystem();
    const fired: number[] = [];
    const a = system.spawn(recorder(fired, gate()), "a");
    a.tell({ t: "arm", ms: 100, inline: true });
    await system.whenIdle();
    clock.advance(100);
    assert.deepEqual(fired, [1], "handled before the clock call returned");
    await system.whenIdle();
    a.tell({ t: "arm", ms: 100, inline: false });
    await system.whenIdle();
    clock.advance(100);
    assert.deepEqual(fired, [1], "queued for the next run-queue round");
    await system.whenIdle();
    assert.deepEqual(fired, [1, 2]);
    await system.stop();
  });

  it("a busy actor gets an inline fire in order, after the message in progress", async () => {
    const { system, clock } = fakeSystem();
    const fired: number[] = [];
    const g = gate();
    const a = system.spawn(recorder(fired, g), "a");
    a.tell({ t: "arm", ms: 100, inline: true });
    await system.whenIdle();
    a.tell({ t: "hold" });
    await new Promise((r) => setImmediate(r));
    clock.advance(100);
    assert.deepEqual(fired, []);
    g.open();
    await system.whenIdle();
    assert.deepEqual(fired, [1]);
    await system.stop();
  });

  it("an inline fire queued behind a message that re-arms the timer is dropped as stale, and counted", async () => {
    const { system, clock } = fakeSystem();
    const fired: number[] = [];
    const g = gate();
    const a = system.spawn(recorder(fired, g), "a");
    a.tell({ t: "arm", ms: 100, inline: true });
    await system.whenIdle();
    a.tell({ t: "hold", rearm: true });
    await new Promise((r) => setImmediate(r));
    clock.advance(100); // fire 1 queued behind "hold", which then re-arms
    g.open();
    await system.whenIdle();
    assert.deepEqual(fired, []);
    assert.equal(await system.metrics.dropped.value({ kind: "recorder", reason: "stale-timer" }), 1);
    clock.advance(100);
    assert.deepEqual(fired, [2], "the re-armed timer fires inline");
    // A cancel while idle: nothing fires.
    a.tell({ t: "arm", ms: 100, inline: true });
    a.tell({ t: "cancel" });
    await system.whenIdle();
    clock.advance(200);
    await system.whenIdle();
    assert.deepEqual(fired, [2]);
    await system.stop();
  });
});
