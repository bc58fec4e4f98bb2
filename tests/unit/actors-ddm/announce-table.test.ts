/**
 * The whole-table announcement after a session's first pull (maghemite #351): sent when the
 * peer may lack part of our table — it has not pulled it this session — and not otherwise,
 * since a peer that pulled us has the table and every later change is pushed. Real exchange
 * server on `::1`, fake discovery, a stub router holding one route.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { DdmIo } from "../../../actors/ddm/io.js";
import type { ActorSystem } from "../../../actors/runtime/index.js";
import type { DiscoveryHandlers } from "../../../dataplane/ddm/discovery-transport.js";
import { pullFrom } from "../../../dataplane/ddm/exchange-client.js";
import { startExchangeServer } from "../../../dataplane/ddm/exchange-server.js";
import { ok } from "../../../protocols/common/result.js";
import type { Millis } from "../../../protocols/common/time.js";
import { type Ipv6Addr, parseIpv6Net, type PullResponse, type Update } from "../../../protocols/ddm/index.js";
import { ADVERT, PEER, sleep, spawnInterface, until } from "./interface-harness.js";

const dest = (() => {
  const n = parseIpv6Net("fd00:7::/64");
  assert.ok(n.ok);
  return n.value;
})();
const TABLE: PullResponse = { underlay: [{ destination: dest, path: ["s1"] }], tunnel: [] };

describe("DDM interface actor: whole-table announcement after the first pull", () => {
  let system: ActorSystem | undefined;
  afterEach(async () => {
    await system?.stop({ deadlineMs: 2000 });
    system = undefined;
  });

  /** One interface in Exchange with a peer whose pull of us the test controls. */
  async function session(): Promise<{
    port: () => number;
    pushes: Update[];
    releaseOurPull: () => void;
  }> {
    let handlers: DiscoveryHandlers | undefined;
    let port = 0;
    let release: (() => void) | undefined;
    const ourPull = new Promise<void>((r) => {
      release = r;
    });
    const pushes: Update[] = [];
    const io: DdmIo = {
      resolveLink: (ifName) => ok({ ifIndex: 2, ifName, addr: "fe80::1" as Ipv6Addr }),
      openDiscovery: (_link, h) => {
        handlers = h;
        return ok({ send: () => ok(undefined), close: () => undefined });
      },
      startServer: async (_link, h) => {
        const r = await startExchangeServer({ host: "::1", port: 0 }, h);
        if (r.ok) port = r.value.port;
        return r;
      },
      push: async (_peer, _version, update) => {
        pushes.push(update);
        return "ok";
      },
      // Our first pull of the peer completes when the test says so.
      pull: async () => {
        await ourPull;
        return ok({ underlay: [], tunnel: [] });
      },
    };
    const spawned = spawnInterface(io, TABLE, { pullTimeout: 5000 as Millis });
    system = spawned.system;
    const status = spawned.status;
    await until("discovery", () => handlers !== undefined);
    handlers?.onDatagram({ from: PEER, data: ADVERT });
    await until("Exchange", async () => (await status()).status.type === "Exchange");
    await until("our exchange server", () => port !== 0);
    return { port: () => port, pushes, releaseOurPull: () => release?.() };
  }

  it("is not sent when the peer pulled our table this session", async () => {
    const s = await session();
    const theirs = await pullFrom({ addr: "::1", port: s.port() }, 3, 2000);
    assert.ok(theirs.ok);
    assert.deepEqual(theirs.value.underlay, TABLE.underlay);
    s.releaseOurPull();
    await sleep(100);
    assert.deepEqual(s.pushes, [], "the peer has the table already");
  });

  it("is not sent when the peer pulls our table shortly after our first pull succeeded", async () => {
    const s = await session();
    s.releaseOurPull();
    await sleep(20);
    const theirs = await pullFrom({ addr: "::1", port: s.port() }, 3, 2000);
    assert.ok(theirs.ok);
    await sleep(200);
    assert.deepEqual(s.pushes, [], "the peer pulled within two solicit intervals");
  });

  it("is sent when the peer has not pulled our table within two solicit intervals of our first pull", async () => {
    const s = await session();
    s.releaseOurPull();
    await until("the announcement", () => s.pushes.length === 1);
    assert.deepEqual(s.pushes[0]?.underlay?.announce, TABLE.underlay);
  });
});
