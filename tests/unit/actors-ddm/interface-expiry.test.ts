/**
 * The interface actor's expiry on a starved event loop (real clock, fake
 * sockets): when the process was busy past the expiry deadline and the
 * peer's advertisement is waiting to be read, the timer fires first in the
 * loop; the actor must read the advertisement before it expires the peer.
 * A peer that really stopped advertising still expires, also right after such
 * a deferred expiry. Timer fires are handled ahead of the mailbox, so the
 * deferral is a message to self, not a timer (CI saw the 0 ms re-arm fire and
 * expire the peer before the waiting advertisement was handled).
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { DdmIo } from "../../../actors/ddm/io.js";
import type { InterfaceStatus } from "../../../actors/ddm/messages.js";
import type { ActorSystem } from "../../../actors/runtime/index.js";
import type { DiscoveryHandlers } from "../../../dataplane/ddm/discovery-transport.js";
import { ok } from "../../../protocols/common/result.js";
import type { Millis } from "../../../protocols/common/time.js";
import type { Ipv6Addr } from "../../../protocols/ddm/index.js";
import { ADVERT as advert, PEER as peer, sleep, spawnInterface } from "./interface-harness.js";

// Wide enough that a loaded test machine does not starve the actor past it between adverts.
const EXPIRE_MS = 400;

describe("DDM interface actor expiry under a starved event loop", () => {
  let system: ActorSystem;
  let handlers: DiscoveryHandlers | undefined;
  let expired: number;
  let status: () => Promise<InterfaceStatus>;

  const io: DdmIo = {
    resolveLink: (ifName) => ok({ ifIndex: 2, ifName, addr: "fe80::1" as Ipv6Addr }),
    openDiscovery: (_link, h) => {
      handlers = h;
      return ok({ send: () => ok(undefined), close: () => undefined });
    },
    startServer: async () => ok({ port: 0, close: async () => undefined }),
    push: async () => "ok",
    pull: async () => ok({ underlay: [], tunnel: [] }),
  };
  const hear = () => handlers?.onDatagram({ from: peer, data: advert });

  beforeEach(async () => {
    expired = 0;
    handlers = undefined;
    ({ system, status } = spawnInterface(
      io,
      { underlay: [], tunnel: [] },
      { expireThreshold: EXPIRE_MS as Millis, serverRetry: 100 as Millis },
      (m) => {
        if (m.t === "expire") expired += 1;
      },
    ));
    for (let i = 0; i < 100 && handlers === undefined; i++) await sleep(5);
    hear();
    for (let i = 0; i < 100 && (await status()).status.type !== "Exchange"; i++) await sleep(5);
    assert.equal((await status()).status.type, "Exchange");
  });
  afterEach(async () => {
    await system.stop({ deadlineMs: 2000 });
  });

  it("an advertisement pending when the deadline passed keeps the peer", async () => {
    for (let round = 0; round < 2; round++) {
      hear();
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          // The advertisement "arrives" (is readable) while the process is busy past the deadline.
          setImmediate(hear);
          const until = performance.now() + EXPIRE_MS + 100;
          while (performance.now() < until) {
            // starved: no event loop turn
          }
          resolve();
        }, 10),
      );
      await sleep(5);
    }
    assert.equal((await status()).status.type, "Exchange");
    assert.equal(expired, 0);
    // Deferring the starved expiry left the newest arm in place: a peer that now
    // falls silent still expires one threshold after its last advertisement.
    const t0 = performance.now();
    while (expired === 0 && performance.now() - t0 < 2000) await sleep(10);
    const took = performance.now() - t0;
    assert.equal(expired, 1);
    assert.equal((await status()).status.type, "Solicit");
    assert.ok(took < EXPIRE_MS + 500, `${took} ms`);
  });

  it("a peer that stopped advertising still expires after the threshold", async () => {
    hear();
    const t0 = performance.now();
    while ((await status()).status.type === "Exchange" && performance.now() - t0 < 2000) await sleep(10);
    const took = performance.now() - t0;
    assert.equal((await status()).status.type, "Solicit");
    assert.ok(took >= EXPIRE_MS - 5 && took < EXPIRE_MS + 500, `${took} ms`);
    assert.equal(expired, 1);
  });
});
