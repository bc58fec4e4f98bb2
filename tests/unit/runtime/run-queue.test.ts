import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RunQueue, type Runnable } from "../../../actors/runtime/run-queue.js";
import { stateless } from "../../../actors/runtime/index.js";
import { fakeSystem, gate } from "./helpers.js";

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("run queue", () => {
  it("serves ready actors one message each per round, in the order they became ready", async () => {
    const { system } = fakeSystem();
    const log: string[] = [];
    const spec = (name: string) =>
      stateless<number>({
        kind: "fair",
        receive: (n) => {
          log.push(`${name}${n}`);
        },
      });
    const a = system.spawn(spec("a"), "a");
    const b = system.spawn(spec("b"), "b");
    await system.whenIdle();
    for (let i = 1; i <= 3; i++) a.tell(i);
    for (let i = 1; i <= 3; i++) b.tell(i);
    await system.whenIdle();
    // A busy actor goes to the back after each message: nobody waits for another's whole mailbox.
    assert.deepEqual(log, ["a1", "b1", "a2", "b2", "a3", "b3"]);
    await system.stop();
  });

  it("keeps an actor with an unsettled async receive out of the rounds; others keep flowing", async () => {
    const { system } = fakeSystem();
    const g = gate();
    const log: string[] = [];
    const slow = system.spawn(
      stateless<number>({
        kind: "slow",
        receive: async (n) => {
          log.push(`slow start ${n}`);
          if (n === 1) await g.promise;
          log.push(`slow end ${n}`);
        },
      }),
      "slow",
    );
    const fast = system.spawn(
      stateless<number>({ kind: "fast", receive: (n) => void log.push(`fast ${n}`) }),
      "fast",
    );
    await system.whenIdle();
    slow.tell(1);
    slow.tell(2);
    for (let i = 1; i <= 3; i++) fast.tell(i);
    for (let i = 0; i < 5; i++) await turn();
    assert.deepEqual(log, ["slow start 1", "fast 1", "fast 2", "fast 3"]);
    g.open();
    await system.whenIdle();
    assert.deepEqual(log.slice(4), ["slow end 1", "slow start 2", "slow end 2"]);
    await system.stop();
  });

  it("reports a runnable that throws and still serves the rest of the round", async () => {
    const errors: unknown[] = [];
    const q = new RunQueue((e) => errors.push(e));
    const ran: string[] = [];
    const ok = (name: string): Runnable => ({ runToken: (inc) => void ran.push(`${name}@${inc}`) });
    q.schedule(ok("a"), 1);
    q.schedule(
      {
        runToken: () => {
          throw new Error("boom");
        },
      },
      1,
    );
    q.schedule(ok("b"), 7);
    assert.equal(q.size, 3);
    await turn();
    assert.deepEqual(ran, ["a@1", "b@7"]);
    assert.equal((errors[0] as Error).message, "boom");
    assert.equal(q.size, 0);
  });

  it("defers work scheduled during a round to the next round", async () => {
    const q = new RunQueue(() => undefined);
    const ran: string[] = [];
    const again: Runnable = { runToken: () => void ran.push("again") };
    q.schedule(
      {
        runToken: () => {
          ran.push("first");
          q.schedule(again, 1);
        },
      },
      1,
    );
    await new Promise<void>((r) => {
      // An immediate queued before the round's own: it runs after the first round and before the second.
      setImmediate(() => {
        ran.push("between");
        r();
      });
    });
    await turn();
    assert.deepEqual(ran, ["first", "between", "again"]);
  });
});
