/**
 * The listener's tombstones of deleted sessions (listener-actor.ts), driven directly: the
 * listener actor on a fake clock and an in-memory network, with register / unregister /
 * retired messages sent as the supervisor would. Tombstones must end: after the grace that
 * follows the hold, after `RETIRED_GRACE_MAX_MS` when the end of the hold is never reported,
 * and beyond `RETIRED_MAX` the oldest goes. A peer re-added during the hold owns its address.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { createBfdMetrics } from "../../../actors/bfd/index.js";
import {
  type ListenerMsg,
  type ListenerStats,
  listenerActor,
  RETIRED_GRACE_MAX_MS,
  RETIRED_GRACE_SLACK_MS,
  RETIRED_MAX,
} from "../../../actors/bfd/listener-actor.js";
import { RxInbox } from "../../../actors/bfd/rx-inbox.js";
import type { SessionMsg } from "../../../actors/bfd/session-actor.js";
import { FakeClock } from "../../../actors/runtime/clock.js";
import { ask } from "../../../actors/runtime/index.js";
import { type ActorSystem, createActorSystem } from "../../../actors/runtime/system.js";
import type { ActorRef } from "../../../actors/runtime/types.js";
import { MemoryNetwork } from "../../../dataplane/bfd/index.js";
import { remotePacket } from "./remote-packet.js";

const A = "10.0.0.1";
const B = "10.0.0.2";

const packet = (yourDiscr: number): Uint8Array => remotePacket("Down", yourDiscr, 77);

/** A session stand-in: the listener only tells it `rx-ready`. */
const session: ActorRef<SessionMsg> = {
  path: "/session",
  kind: "bfd-session",
  tell: () => ({ delivered: true }),
};

describe("a listener's tombstones of deleted sessions", () => {
  let clock: FakeClock;
  let net: MemoryNetwork;
  let system: ActorSystem;
  let listener: ActorRef<ListenerMsg>;

  beforeEach(() => {
    clock = new FakeClock(1000);
    net = new MemoryNetwork();
    system = createActorSystem({ clock, random: () => 0.5, onFatal: () => undefined });
    const transport = net.host("a", [A]);
    const socket = transport.listen({ family: 4, address: A, port: 3784 });
    assert.ok(socket.ok);
    listener = system.spawn(
      listenerActor(
        {
          key: `${A}|3784`,
          options: { family: 4, address: A, port: 3784 },
          socket: socket.value,
          onRestart: () => {},
        },
        { transport, metrics: createBfdMetrics(system.registry) },
      ),
      "listener",
    );
  });
  afterEach(async () => system.stop({ deadlineMs: 1000 }));

  async function settle(): Promise<void> {
    await system.whenIdle();
    await new Promise((r) => setImmediate(r));
  }
  async function advance(ms: number): Promise<void> {
    clock.advance(ms);
    await settle();
  }
  async function stats(): Promise<ListenerStats> {
    const p = ask<ListenerMsg, ListenerStats>(listener, (replyTo) => ({ t: "stats", replyTo }), 1000);
    await settle();
    return p;
  }
  function send(yourDiscr: number, from = B): void {
    assert.ok(net.deliver(from, 50000, A, 3784, packet(yourDiscr)));
  }
  async function register(discr: number, peer: string, inbox = new RxInbox(8)): Promise<RxInbox> {
    listener.tell({ t: "register", discr, peer, session, inbox });
    await settle();
    return inbox;
  }

  it("after the hold, a tombstone lasts as long again as the hold plus the slack, then goes", async () => {
    await register(5, B);
    listener.tell({ t: "unregister", discr: 5, peer: B });
    await settle();
    await advance(2000);
    listener.tell({ t: "retired", discr: 5 });
    await settle();
    await advance(2000 + RETIRED_GRACE_SLACK_MS - 10);
    send(5);
    send(0);
    assert.deepEqual((await stats()).drops, { "retired-session": 2 });
    await advance(20);
    send(5);
    send(0);
    const s = await stats();
    assert.deepEqual(s.drops, { "retired-session": 2, YOUR_DISCR_UNKNOWN: 1, NO_SESSION: 1 });
    assert.equal(s.retired, 0, "the sweep forgot it");
  });

  it("a tombstone whose hold end is never reported expires after RETIRED_GRACE_MAX_MS", async () => {
    await register(5, B);
    listener.tell({ t: "unregister", discr: 5, peer: B });
    await settle();
    await advance(RETIRED_GRACE_MAX_MS - 10);
    send(5);
    await advance(20);
    send(5);
    const s = await stats();
    assert.deepEqual(s.drops, { "retired-session": 1, YOUR_DISCR_UNKNOWN: 1 });
    assert.equal(s.retired, 0);
  });

  it("keeps at most RETIRED_MAX tombstones, dropping the oldest", async () => {
    for (let d = 1; d <= RETIRED_MAX + 1; d++) {
      listener.tell({
        t: "register",
        discr: d,
        peer: `10.1.${d >> 8}.${d & 255}`,
        session,
        inbox: new RxInbox(1),
      });
      listener.tell({ t: "unregister", discr: d, peer: `10.1.${d >> 8}.${d & 255}` });
      if (d % 512 === 0) await settle();
    }
    await settle();
    send(1);
    send(2);
    const s = await stats();
    assert.equal(s.retired, RETIRED_MAX);
    assert.deepEqual(s.drops, { YOUR_DISCR_UNKNOWN: 1, "retired-session": 1 });
  });

  it("a peer re-added during the hold owns its address; the old discriminator stays a tombstone", async () => {
    await register(5, B);
    listener.tell({ t: "unregister", discr: 5, peer: B });
    const fresh = await register(6, B);
    send(0);
    send(5);
    assert.equal(fresh.size, 1, "the zero-discriminator packet went to the new session");
    assert.deepEqual((await stats()).drops, { "retired-session": 1 });
  });
});
