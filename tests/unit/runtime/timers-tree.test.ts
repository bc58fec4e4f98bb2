import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ActorContext, type ActorSpec, stateless } from "../../../actors/runtime/index.js";
import { fakeSystem, gate } from "./helpers.js";

describe("timers", () => {
  type TMsg = { t: "arm"; ms: number; tag: string } | { t: "cancel" } | { t: "fire"; tag: string };

  it("delivers a fire as a message to self after the delay", async () => {
    const { system, clock } = fakeSystem();
    const fired: Array<[string, number]> = [];
    const a = system.spawn<TMsg, undefined>(
      stateless({
        kind: "timed",
        receive: (m: TMsg, ctx: ActorContext<TMsg>) => {
          if (m.t === "arm") ctx.timers.arm("t", m.ms, { t: "fire", tag: m.tag });
          else if (m.t === "cancel") ctx.timers.cancel("t");
          else fired.push([m.tag, ctx.clock.now()]);
        },
      }),
      "a",
    );
    a.tell({ t: "arm", ms: 100, tag: "x" });
    await system.whenIdle();
    clock.advance(99);
    await system.whenIdle();
    assert.deepEqual(fired, []);
    clock.advance(1);
    await system.whenIdle();
    assert.deepEqual(fired, [["x", 100]]);
    // Cancel before the fire: nothing arrives.
    a.tell({ t: "arm", ms: 10, tag: "y" });
    a.tell({ t: "cancel" });
    await system.whenIdle();
    clock.advance(50);
    await system.whenIdle();
    assert.deepEqual(fired, [["x", 100]]);
    await system.stop();
  });

  it("drops a fire that was queued before the timer was re-armed (stale generation)", async () => {
    const { system, clock } = fakeSystem();
    const g = gate();
    const started = gate();
    const fired: string[] = [];
    type M = { t: "slow" } | { t: "fire"; tag: string };
    const a = system.spawn<M, undefined>(
      stateless({
        kind: "rearm",
        start: (ctx: ActorContext<M>) => ctx.timers.arm("t", 100, { t: "fire", tag: "A" }),
        receive: async (m: M, ctx: ActorContext<M>) => {
          if (m.t === "fire") {
            fired.push(m.tag);
            return;
          }
          started.open();
          await g.promise;
          // The A fire is already queued behind us; re-arming retires its generation.
          ctx.timers.arm("t", 100, { t: "fire", tag: "B" });
        },
      }),
      "a",
    );
    await system.whenIdle();
    a.tell({ t: "slow" });
    await started.promise;
    clock.advance(100); // A fires while "slow" is being handled: queued, generation 1
    g.open();
    await system.whenIdle();
    assert.deepEqual(fired, []);
    assert.equal(await system.metrics.dropped.value({ kind: "rearm", reason: "stale-timer" }), 1);
    clock.advance(100);
    await system.whenIdle();
    assert.deepEqual(fired, ["B"]);
    await system.stop();
  });
});

describe("tree and stop", () => {
  it("reports the supervision tree as plain data", async () => {
    const { system } = fakeSystem();
    const leaf = stateless<never>({ kind: "leaf", receive: () => {} });
    const parent: ActorSpec<never, undefined> = {
      kind: "parent",
      init: (ctx) => {
        ctx.spawn(leaf, "l1");
        ctx.spawn(leaf, "l2");
        return undefined;
      },
      receive: (s) => s,
    };
    system.spawn(parent, "p");
    await system.whenIdle();
    assert.deepEqual(system.tree(), [
      {
        path: "/p",
        kind: "parent",
        status: "running",
        restarts: 0,
        mailboxDepth: 0,
        children: [
          { path: "/p/l1", kind: "leaf", status: "running", restarts: 0, mailboxDepth: 0 },
          { path: "/p/l2", kind: "leaf", status: "running", restarts: 0, mailboxDepth: 0 },
        ],
      },
    ]);
    assert.match(await system.registry.metrics(), /magnetite_actors\{kind="leaf",status="running"\} 2/);
    await system.stop();
  });

  it("stops children before parents, in reverse spawn order", async () => {
    const { system } = fakeSystem();
    const order: string[] = [];
    const leaf = (name: string) =>
      stateless<never>({
        kind: "leaf",
        receive: () => {},
        stop: async () => {
          await new Promise((r) => setImmediate(r));
          order.push(name);
        },
      });
    const parent = (name: string, kids: string[]) =>
      stateless<never>({
        kind: "parent",
        start: (ctx) => {
          for (const k of kids) ctx.spawn(leaf(k), k);
        },
        receive: () => {},
        stop: () => {
          order.push(name);
        },
      });
    system.spawn(parent("p1", ["a", "b"]), "p1");
    system.spawn(parent("p2", ["c"]), "p2");
    await system.whenIdle();
    assert.deepEqual(await system.stop(), { clean: true });
    assert.deepEqual(order, ["c", "p2", "b", "a", "p1"]);
    assert.ok(system.tree().every((n) => n.status === "stopped"));
  });

  it("gives up on hooks that outlive the deadline and still stops", async () => {
    const { system } = fakeSystem();
    const stuck = stateless<never>({
      kind: "stuck",
      receive: () => {},
      stop: () => new Promise<void>(() => {}),
    });
    const ref = system.spawn(stuck, "s");
    await system.whenIdle();
    assert.deepEqual(await system.stop({ deadlineMs: 20 }), { clean: false });
    assert.equal(ref.tell(undefined as never).delivered, false);
  });
});
