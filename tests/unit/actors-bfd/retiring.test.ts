/**
 * A session of a deleted peer that crashes during its retire hold is restarted by its
 * supervisor from the same seed; with the seed marked `retiring` it must stay quiet (its
 * predecessor announced AdminDown) rather than bring the deleted peer's session back up.
 * The session actor is spawned directly on a fake clock and an in-memory network.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { createBfdMetrics } from "../../../actors/bfd/index.js";
import type { Discriminator } from "../../../actors/bfd/discriminators.js";
import { parsePeerSpec } from "../../../actors/bfd/peer-spec.js";
import { RxInbox } from "../../../actors/bfd/rx-inbox.js";
import { type SessionSeed, sessionActor } from "../../../actors/bfd/session-actor.js";
import { FakeClock } from "../../../actors/runtime/clock.js";
import { type ActorSystem, createActorSystem } from "../../../actors/runtime/system.js";
import { MemoryNetwork } from "../../../dataplane/bfd/index.js";
import { seeded } from "../bfd/harness.js";
import { peerInput } from "./lab.js";

describe("BFD session of a deleted peer, restarted during its retire hold", () => {
  let system: ActorSystem | undefined;
  afterEach(async () => {
    await system?.stop({ deadlineMs: 1000 });
    system = undefined;
  });

  async function sent(retiring: boolean): Promise<number> {
    const clock = new FakeClock(1000);
    const net = new MemoryNetwork();
    system = createActorSystem({ clock, random: () => 0.5, onFatal: () => undefined });
    const spec = parsePeerSpec(peerInput("10.0.0.2", "10.0.0.1"), "api");
    assert.ok(spec.ok);
    const seed: SessionSeed = {
      spec: spec.value,
      discr: 7 as Discriminator,
      inbox: new RxInbox(8),
      ...(retiring ? { retiring: true } : {}),
    };
    system.spawn(
      sessionActor(seed, {
        transport: net.host("a", ["10.0.0.1"]),
        metrics: createBfdMetrics(system.registry),
        historyLimit: 16,
        wallClock: () => new Date(0),
        port: () => 3784,
        random: seeded(1),
      }),
      "session",
    );
    for (let t = 0; t < 3000; t += 10) {
      clock.advance(10);
      await system.whenIdle();
      await new Promise((r) => setImmediate(r));
    }
    return net.sent.get("10.0.0.1") ?? 0;
  }

  it("a live session sends its periodic packets (the control)", async () => {
    assert.ok((await sent(false)) >= 2);
  });

  it("a retiring incarnation sends nothing and arms no timer", async () => {
    assert.equal(await sent(true), 0);
  });
});
