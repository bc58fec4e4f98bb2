/**
 * A session that ends and restarts while its exchange server is bound but
 * not yet adopted (its `serverUp` still queued) must not race the new
 * session's server for the port: the new bind waits until the old server is
 * closed, instead of failing with EADDRINUSE and retrying after
 * `serverRetry`. Real servers on `::1`, fake discovery.
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
import { type Ipv6Addr, parseIpv6Net } from "../../../protocols/ddm/index.js";
import { ADVERT, PEER, sleep, spawnInterface, until } from "./interface-harness.js";

const dest = (() => {
  const n = parseIpv6Net("fd00:7::/64");
  assert.ok(n.ok);
  return n.value;
})();

async function freePort(): Promise<number> {
  const s = await startExchangeServer(
    { host: "::1", port: 0 },
    {
      onPush: () => true,
      onPull: async () => ({ underlay: [], tunnel: [] }),
      onReject: () => undefined,
    },
  );
  assert.ok(s.ok);
  await s.value.close();
  return s.value.port;
}

describe("DDM interface actor: exchange server across a session restart", () => {
  let system: ActorSystem | undefined;
  afterEach(async () => {
    await system?.stop({ deadlineMs: 2000 });
  });

  it("binds the new session's server once the unadopted old one is closed, without EADDRINUSE", async () => {
    const port = await freePort();
    let handlers: DiscoveryHandlers | undefined;
    const binds: string[] = [];
    let hold: (() => void) | undefined;
    const held = new Promise<void>((r) => {
      hold = r;
    });
    const io: DdmIo = {
      resolveLink: (ifName) => ok({ ifIndex: 2, ifName, addr: "fe80::1" as Ipv6Addr }),
      openDiscovery: (_link, h) => {
        handlers = h;
        return ok({ send: () => ok(undefined), close: () => undefined });
      },
      startServer: async (_link, h) => {
        const r = await startExchangeServer({ host: "::1", port }, h);
        binds.push(r.ok ? "ok" : ((r.error as NodeJS.ErrnoException).code ?? r.error.message));
        // The first session's server is bound, but its owner hears of it only later.
        if (binds.length === 1) await held;
        return r;
      },
      push: async () => "ok",
      pull: async () => ok({ underlay: [], tunnel: [] }),
    };
    // serverRetry far beyond the test's waits: a failed bind would not be retried in time.
    const spawned = spawnInterface(
      io,
      { underlay: [{ destination: dest, path: ["s1"] }], tunnel: [] },
      {
        serverRetry: 60_000 as Millis,
      },
    );
    system = spawned.system;
    const { iface, status } = spawned;
    const hear = () => handlers?.onDatagram({ from: PEER, data: ADVERT });

    await until("discovery", () => handlers !== undefined);
    hear();
    await until("the first bind", () => binds.length === 1);
    // The session ends (operator expiry) and the peer is heard again at once.
    iface.tell({ t: "event", event: { kind: "adminExpire", addr: PEER } });
    await until("the peer to be dropped", async () => (await status()).status.type !== "Exchange");
    hear();
    await until("the second session", async () => (await status()).status.type === "Exchange");
    await sleep(50);
    assert.deepEqual(binds, ["ok"], "the new session bound while the old server held the port");

    hold?.();
    await until("the second bind", () => binds.length === 2);
    assert.deepEqual(binds, ["ok", "ok"]);
    assert.equal((await status()).status.type, "Exchange");
    const pulled = await pullFrom({ addr: "::1", port }, 3, 2000);
    assert.ok(pulled.ok, JSON.stringify(pulled));
    assert.deepEqual(pulled.value.underlay, [{ destination: dest, path: ["s1"] }]);
  });
});
