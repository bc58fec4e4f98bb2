import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import {
  type ActorRef,
  AskTimeoutError,
  AskUndeliveredError,
  ask,
  createRootLogger,
  RuntimeError,
  stateless,
} from "../../../actors/runtime/index.js";
import { fakeSystem, gate } from "./helpers.js";

type CounterMsg = { t: "inc" } | { t: "get"; replyTo: ActorRef<number> };
const counter = {
  kind: "counter",
  init: () => 0,
  receive: (s: number, m: CounterMsg): number => {
    if (m.t === "inc") return s + 1;
    m.replyTo.tell(s);
    return s;
  },
};

describe("actor basics", () => {
  it("threads state through receive and answers ask", async () => {
    const { system } = fakeSystem();
    const c = system.spawn(counter, "c");
    for (let i = 0; i < 3; i++) assert.deepEqual(c.tell({ t: "inc" }), { delivered: true });
    assert.equal(await ask<CounterMsg, number>(c, (replyTo) => ({ t: "get", replyTo }), 1000), 3);
    await system.stop();
  });

  it("handles one message at a time even when receive is async", async () => {
    const { system } = fakeSystem();
    const log: string[] = [];
    const a = system.spawn<number, undefined>(
      stateless({
        kind: "slow",
        receive: async (n: number) => {
          log.push(`start ${n}`);
          await new Promise((r) => setImmediate(r));
          log.push(`end ${n}`);
        },
      }),
      "a",
    );
    a.tell(1);
    a.tell(2);
    await system.whenIdle();
    assert.deepEqual(log, ["start 1", "end 1", "start 2", "end 2"]);
    await system.stop();
  });

  it("reports, counts and debug-logs a tell to a stopped actor", async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _e, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const { system } = fakeSystem({ logger: createRootLogger({ level: "debug", destination }) });
    const c = system.spawn(counter, "c");
    await system.stopChild("c");
    assert.deepEqual(c.tell({ t: "inc" }), { delivered: false, reason: "stopped" });
    assert.equal(await system.metrics.dropped.value({ kind: "counter", reason: "stopped" }), 1);
    const dropLine = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l["msg"] === "message dropped");
    assert.equal(dropLine?.["reason"], "stopped");
    assert.equal(dropLine?.["path"], "/c");
    await assert.rejects(
      ask<CounterMsg, number>(c, (replyTo) => ({ t: "get", replyTo }), 10),
      (e: unknown) => e instanceof AskUndeliveredError && e.code === "RT_E_ASK_UNDELIVERED",
    );
    await system.stop();
  });

  it("drop-newest: a full mailbox refuses and counts, depth is exposed", async () => {
    const { system } = fakeSystem();
    const g = gate();
    const started = gate();
    const seen: number[] = [];
    const a = system.spawn<number, undefined>(
      stateless({
        kind: "bounded",
        mailbox: { capacity: 2, overflow: "drop-newest" },
        receive: async (n: number) => {
          seen.push(n);
          if (n === 0) {
            started.open();
            await g.promise;
          }
        },
      }),
      "a",
    );
    a.tell(0);
    await started.promise;
    // 0 is being handled; 1 and 2 fill the mailbox; 3 and 4 are refused.
    const results = [1, 2, 3, 4].map((n) => a.tell(n));
    assert.deepEqual(
      results.map((r) => r.delivered),
      [true, true, false, false],
    );
    assert.deepEqual(results[3], { delivered: false, reason: "mailbox-full" });
    assert.equal(system.tree()[0]?.mailboxDepth, 2);
    assert.match(await system.registry.metrics(), /magnetite_actor_mailbox_depth\{kind="bounded"\} 2/);
    g.open();
    await system.whenIdle();
    assert.deepEqual(seen, [0, 1, 2]);
    assert.equal(await system.metrics.dropped.value({ kind: "bounded", reason: "mailbox-full" }), 2);
    await system.stop();
  });

  it("drop-oldest: a full mailbox evicts the head and counts it", async () => {
    const { system } = fakeSystem();
    const g = gate();
    const started = gate();
    const seen: number[] = [];
    const a = system.spawn<number, undefined>(
      stateless({
        kind: "latest",
        mailbox: { capacity: 2, overflow: "drop-oldest" },
        receive: async (n: number) => {
          seen.push(n);
          if (n === 0) {
            started.open();
            await g.promise;
          }
        },
      }),
      "a",
    );
    a.tell(0);
    await started.promise;
    for (const n of [1, 2, 3, 4]) assert.equal(a.tell(n).delivered, true);
    g.open();
    await system.whenIdle();
    assert.deepEqual(seen, [0, 3, 4]);
    assert.equal(await system.metrics.dropped.value({ kind: "latest", reason: "mailbox-evicted" }), 2);
    await system.stop();
  });

  it("ask times out with a typed error on the system clock and counts a late reply", async () => {
    const { system, clock } = fakeSystem();
    let held: ActorRef<string> | undefined;
    const a = system.spawn<{ replyTo: ActorRef<string> }, undefined>(
      stateless({
        kind: "mute",
        receive: (m: { replyTo: ActorRef<string> }) => {
          held = m.replyTo;
        },
      }),
      "a",
    );
    const p = ask<{ replyTo: ActorRef<string> }, string>(a, (replyTo) => ({ replyTo }), 50);
    await system.whenIdle();
    clock.advance(49);
    clock.advance(1);
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof AskTimeoutError);
      assert.equal(e.code, "RT_E_ASK_TIMEOUT");
      assert.equal(e.details["path"], "/a");
      return true;
    });
    assert.deepEqual(held?.tell("late"), { delivered: false, reason: "stopped" });
    assert.equal(await system.metrics.dropped.value({ kind: "ask-reply", reason: "late-reply" }), 1);
    await system.stop();
  });

  it("ask requires a finite positive timeout", async () => {
    const { system } = fakeSystem();
    const c = system.spawn(counter, "c");
    await assert.rejects(
      ask<CounterMsg, number>(c, (replyTo) => ({ t: "get", replyTo }), 0),
      (e: unknown) => e instanceof RuntimeError && e.code === "RT_E_BAD_TIMEOUT",
    );
    await system.stop();
  });

  it("rejects duplicate and invalid names with typed errors", async () => {
    const { system } = fakeSystem();
    system.spawn(counter, "c");
    assert.throws(
      () => system.spawn(counter, "c"),
      (e: unknown) => e instanceof RuntimeError && e.code === "RT_E_DUPLICATE_NAME",
    );
    assert.throws(
      () => system.spawn(counter, "a/b"),
      (e: unknown) => e instanceof RuntimeError && e.code === "RT_E_BAD_NAME",
    );
    await system.stop();
    assert.throws(
      () => system.spawn(counter, "d"),
      (e: unknown) => e instanceof RuntimeError && e.code === "RT_E_SYSTEM_STOPPED",
    );
  });
});
