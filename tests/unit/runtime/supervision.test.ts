import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type ActorRef,
  type ActorSpec,
  type CrashPolicy,
  type RestartStrategy,
  SupervisionError,
  stateless,
} from "../../../actors/runtime/index.js";
import type { FakeClock } from "../../../actors/runtime/clock.js";
import { fakeSystem } from "./helpers.js";

type Boom = "boom" | "ok";
class BoomError extends Error {
  readonly code = "TEST_E_BOOM";
}

/** A stateless actor that throws on "boom" and records what it handled. */
function bomb(
  kind: string,
  log: string[],
  onCrash?: CrashPolicy,
  refs?: Map<string, ActorRef<Boom>>,
): ActorSpec<Boom, undefined> {
  return stateless<Boom>({
    kind,
    ...(onCrash === undefined ? {} : { onCrash }),
    start: (ctx) => {
      refs?.set(kind, ctx.self);
      log.push(`init ${kind}`);
    },
    receive: (m) => {
      if (m === "boom") throw new BoomError("boom");
      log.push(`ok ${kind}`);
    },
    stop: () => {
      log.push(`stop ${kind}`);
    },
  });
}

/** Time until the earliest pending timer (the restart backoff when nothing else is armed). */
function pendingDelay(clock: FakeClock): number | undefined {
  const due = clock.nextDue();
  return due === undefined ? undefined : due - clock.now();
}

describe("supervision: restart", () => {
  it("restarts a crashed actor after the backoff, keeping its ref and queued mail", async () => {
    const { system, clock } = fakeSystem();
    const log: string[] = [];
    const a = system.spawn(bomb("w", log), "w");
    a.tell("boom");
    await system.whenIdle();
    assert.equal(system.tree()[0]?.status, "restarting");
    assert.equal(pendingDelay(clock), 100);
    assert.equal(a.tell("ok").delivered, true); // queued while restarting
    clock.advance(99);
    await system.whenIdle();
    assert.equal(system.tree()[0]?.status, "restarting");
    clock.advance(1);
    await system.whenIdle();
    assert.deepEqual(log, ["init w", "stop w", "init w", "ok w"]);
    assert.deepEqual(system.tree()[0], {
      path: "/w",
      kind: "w",
      status: "running",
      restarts: 1,
      mailboxDepth: 0,
    });
    assert.equal(await system.metrics.restarts.value({ kind: "w" }), 1);
    assert.equal(await system.metrics.dropped.value({ kind: "w", reason: "crashed" }), 1);
    assert.ok(((await system.metrics.lastCrash.value({ kind: "w", reason: "TEST_E_BOOM" })) ?? 0) > 0);
    await system.stop();
  });

  it("backoff delays grow exponentially and are jittered", async () => {
    const randoms = [0, 1, 0.5, 0.25];
    let i = 0;
    const { system, clock } = fakeSystem({
      random: () => randoms[i++ % randoms.length] as number,
      supervision: {
        maxRestarts: 10,
        withinMs: 60_000,
        backoff: { initialMs: 100, maxMs: 10_000, factor: 2, jitter: 0.2 },
      },
    });
    const a = system.spawn(bomb("w", []), "w");
    const delays: number[] = [];
    for (let n = 0; n < 4; n++) {
      await system.whenIdle();
      a.tell("boom");
      await system.whenIdle();
      delays.push(pendingDelay(clock) as number);
      clock.runNext();
    }
    // base 100, 200, 400, 800 scaled by 1 - 0.2 + 0.4·r for r = 0, 1, 0.5, 0.25
    assert.deepEqual(
      delays.map((d) => Math.round(d)),
      [80, 240, 400, 720],
    );
    await system.stop();
  });

  it("an init that throws is retried with backoff on the macrotask queue", async () => {
    const { system, clock } = fakeSystem({ supervision: { maxRestarts: 100, withinMs: 1000 } });
    let inits = 0;
    system.spawn(
      {
        kind: "bad-init",
        onCrash: "resume", // cannot resume without a state: treated as restart
        init: () => {
          inits += 1;
          throw new Error("no");
        },
        receive: (s: undefined) => s,
      },
      "b",
    );
    await system.whenIdle();
    assert.equal(inits, 1);
    assert.equal(system.tree()[0]?.status, "restarting");
    clock.advance(100);
    await system.whenIdle();
    assert.equal(inits, 2);
    assert.equal(pendingDelay(clock), 200);
    await system.stop();
  });
});

describe("supervision: restart sets", () => {
  async function crashMiddle(strategy: RestartStrategy): Promise<string[]> {
    const { system, clock } = fakeSystem();
    const log: string[] = [];
    const refs = new Map<string, ActorRef<Boom>>();
    const parent: ActorSpec<never, undefined> = {
      kind: "sup",
      supervision: { strategy, backoff: { initialMs: 10, maxMs: 10, factor: 1, jitter: 0 } },
      init: (ctx) => {
        for (const k of ["a", "b", "c"]) ctx.spawn(bomb(k, log, undefined, refs), k);
        return undefined;
      },
      receive: (s) => s,
    };
    system.spawn(parent, "p");
    await system.whenIdle();
    log.length = 0;
    refs.get("b")?.tell("boom");
    await system.whenIdle();
    clock.advance(10);
    await system.whenIdle();
    await system.stop();
    return log;
  }

  it("one-for-one restarts only the crashed child", async () => {
    assert.deepEqual(await crashMiddle("one-for-one"), ["stop b", "init b", "stop c", "stop b", "stop a"]);
  });

  it("rest-for-one restarts the crashed child and the siblings spawned after it, in order", async () => {
    assert.deepEqual(await crashMiddle("rest-for-one"), [
      "stop b",
      "stop c",
      "init b",
      "init c",
      "stop c",
      "stop b",
      "stop a",
    ]);
  });
});

describe("supervision: intensity and escalation", () => {
  it("more than maxRestarts in the window fails the parent, which its own supervisor restarts", async () => {
    const { system, clock, fatal } = fakeSystem();
    const log: string[] = [];
    const refs = new Map<string, ActorRef<Boom>>();
    let parentInits = 0;
    system.spawn<never, undefined>(
      {
        kind: "sup",
        supervision: {
          maxRestarts: 2,
          withinMs: 10_000,
          backoff: { initialMs: 10, maxMs: 10, factor: 1, jitter: 0 },
        },
        init: (ctx) => {
          parentInits += 1;
          ctx.spawn(bomb("w", log, undefined, refs), "w");
          return undefined;
        },
        receive: (s) => s,
      },
      "p",
    );
    for (let n = 0; n < 3; n++) {
      await system.whenIdle();
      refs.get("w")?.tell("boom");
      await system.whenIdle();
      clock.runNext();
    }
    await system.whenIdle();
    // Two restarts were allowed; the third crash exceeded 2-in-10s, so /p failed and the root restarted it.
    assert.equal(parentInits, 2);
    assert.equal(await system.metrics.restarts.value({ kind: "w" }), 2);
    assert.equal(await system.metrics.restarts.value({ kind: "sup" }), 1);
    assert.ok(
      ((await system.metrics.lastCrash.value({ kind: "sup", reason: "RT_E_RESTART_INTENSITY" })) ?? 0) > 0,
    );
    assert.equal(system.tree()[0]?.status, "running");
    assert.equal(system.tree()[0]?.children?.[0]?.status, "running");
    assert.deepEqual(fatal, []);
    await system.stop();
  });

  it("root escalation calls onFatal once with RT_E_ESCALATED", async () => {
    const { system, fatal } = fakeSystem();
    const a = system.spawn(bomb("top", [], "escalate"), "top");
    a.tell("boom");
    await system.whenIdle();
    assert.equal(fatal.length, 1);
    const e = fatal[0];
    assert.ok(e instanceof SupervisionError);
    assert.equal(e.code, "RT_E_ESCALATED");
    assert.equal(e.details["child"], "/top");
    assert.ok(e.cause instanceof BoomError);
    await system.stop();
  });

  it("escalation climbs through parents to the root", async () => {
    const { system, fatal } = fakeSystem();
    const refs = new Map<string, ActorRef<Boom>>();
    system.spawn<never, undefined>(
      {
        kind: "mid",
        onCrash: "escalate",
        init: (ctx) => {
          ctx.spawn(bomb("leaf", [], "escalate", refs), "leaf");
          return undefined;
        },
        receive: (s) => s,
      },
      "mid",
    );
    await system.whenIdle();
    refs.get("leaf")?.tell("boom");
    await system.whenIdle();
    assert.equal(fatal.length, 1);
    assert.equal((fatal[0] as SupervisionError).details["child"], "/mid");
    assert.equal(system.tree()[0]?.status, "stopped");
    await system.stop();
  });

  it("root restart intensity exceeded calls onFatal with RT_E_RESTART_INTENSITY", async () => {
    const { system, clock, fatal } = fakeSystem({ supervision: { maxRestarts: 1, withinMs: 5000 } });
    const a = system.spawn(bomb("top", []), "top");
    a.tell("boom");
    await system.whenIdle();
    clock.runNext();
    await system.whenIdle();
    assert.deepEqual(fatal, []);
    a.tell("boom");
    await system.whenIdle();
    assert.equal(fatal.length, 1);
    assert.equal(((fatal as Error[])[0] as SupervisionError).code, "RT_E_RESTART_INTENSITY");
    await system.stop();
  });
});

describe("supervision: stateless crash policies are honoured", () => {
  it("stop: the actor stays stopped and later tells are reported", async () => {
    const { system, clock } = fakeSystem();
    const log: string[] = [];
    const a = system.spawn(bomb("s", log, "stop"), "s");
    a.tell("boom");
    await system.whenIdle();
    assert.equal(clock.pending(), 0);
    assert.equal(system.tree()[0]?.status, "stopped");
    assert.deepEqual(a.tell("ok"), { delivered: false, reason: "stopped" });
    assert.deepEqual(log, ["init s", "stop s"]);
    await system.stop();
  });

  it("resume: the failing message is dropped and the next one handled, no restart", async () => {
    const { system } = fakeSystem();
    const log: string[] = [];
    const a = system.spawn(bomb("r", log, "resume"), "r");
    a.tell("boom");
    a.tell("ok");
    await system.whenIdle();
    assert.deepEqual(log, ["init r", "ok r"]);
    assert.equal(await system.metrics.restarts.value({ kind: "r" }), 0);
    assert.equal(await system.metrics.crashes.value({ kind: "r" }), 1);
    await system.stop();
  });

  it("restart (default): re-initialised after backoff", async () => {
    const { system, clock } = fakeSystem();
    const log: string[] = [];
    const a = system.spawn(bomb("d", log), "d");
    a.tell("boom");
    await system.whenIdle();
    clock.runNext();
    await system.whenIdle();
    assert.deepEqual(log, ["init d", "stop d", "init d"]);
    await system.stop();
  });
});
