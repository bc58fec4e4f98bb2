/**
 * The exchange server and client over loopback (`::1`): v2/v3 push and pull,
 * push outcome classification (an HTTP error is a failure, spec Part 5 item
 * 2), 400 with a counted reason for bad bodies, a body limit of at least
 * 1 MiB, and client deadlines.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, it } from "node:test";
import { pullFrom, pushUpdate } from "../../../dataplane/ddm/exchange-client.js";
import {
  type ExchangeRejectReason,
  type ExchangeServer,
  startExchangeServer,
} from "../../../dataplane/ddm/exchange-server.js";
import { type Ipv6Addr, parseIpv6, type PullResponse, type Update } from "../../../protocols/ddm/index.js";

const net = (a: string, len = 64) => {
  const p = parseIpv6(a);
  assert.ok(p.ok);
  return { addr: p.value, len };
};
const update = (n: number): Update => ({
  underlay: {
    announce: Array.from({ length: n }, (_, i) => ({
      destination: net(`fd00:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::`),
      path: ["s1", "t1"],
    })),
    withdraw: [],
  },
  tunnel: {
    announce: [
      {
        overlayPrefix: { family: 4, addr: "10.0.0.0" as never, len: 24 },
        boundaryAddr: "fd00::1" as Ipv6Addr,
        vni: 99,
        metric: 0xffff_ffff_ffff_ffffn,
      },
    ],
    withdraw: [],
  },
});

describe("exchange server and client on ::1", () => {
  let server: ExchangeServer;
  const pushes: { update: Update; version: number }[] = [];
  const rejects: ExchangeRejectReason[] = [];
  let accept = true;
  const answer: PullResponse = { underlay: [{ destination: net("fd00:9::"), path: ["s9"] }], tunnel: [] };

  before(async () => {
    const r = await startExchangeServer(
      { host: "::1", port: 0, bodyLimit: 2 * 1024 * 1024 },
      {
        onPush: (u, version) => {
          pushes.push({ update: u, version });
          return accept;
        },
        onPull: async () => answer,
        onReject: (reason) => rejects.push(reason),
      },
    );
    assert.ok(r.ok);
    server = r.value;
  });
  after(async () => {
    await server.close();
  });

  const peer = () => ({ addr: "::1", port: server.port });

  it("pushes in v2 and v3 and the server hands over the same update", async () => {
    for (const v of [2, 3] as const) {
      assert.equal(await pushUpdate(peer(), v, update(3), 2000), "ok");
      const got = pushes.at(-1);
      assert.equal(got?.version, v);
      assert.deepEqual(got?.update, update(3));
    }
  });

  it("accepts a push of more than 1 MiB (ddmd's limit is 1 KiB)", async () => {
    assert.equal(await pushUpdate(peer(), 3, update(20_000), 5000), "ok");
    assert.equal(pushes.at(-1)?.update.underlay?.announce.length, 20_000);
  });

  it("pulls in v2 and v3", async () => {
    for (const v of [2, 3] as const)
      assert.deepEqual(await pullFrom(peer(), v, 2000), { ok: true, value: answer });
  });

  it("answers 400 with a typed code for bad bodies, and counts the reason", async () => {
    rejects.length = 0;
    const res = await fetch(`http://[::1]:${server.port}/v3/push`, { method: "PUT", body: "{nope" });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { code: string }).code, "DDM_E_XCHG_BAD_JSON");
    const res2 = await fetch(`http://[::1]:${server.port}/v2/push`, {
      method: "PUT",
      body: '{"underlay":{"announce":[{"destination":{"addr":"fd00::","len":129},"path":[]}],"withdraw":[]}}',
    });
    assert.equal(res2.status, 400);
    const res3 = await fetch(`http://[::1]:${server.port}/v4/pull`);
    assert.equal(res3.status, 404);
    assert.deepEqual(rejects, ["DDM_E_XCHG_BAD_JSON", "DDM_E_XCHG_BAD_VALUE", "DDM_E_XCHG_NOT_FOUND"]);
  });

  it("a push the owner cannot take is answered 503, which the client reports as rejected (a failure)", async () => {
    accept = false;
    try {
      assert.equal(await pushUpdate(peer(), 3, update(1), 2000), "rejected");
    } finally {
      accept = true;
    }
  });

  it("classifies a refused connection as unreachable and a silent peer as timeout", async () => {
    const closed = await startExchangeServer(
      { host: "::1", port: 0 },
      { onPush: () => true, onPull: async () => answer, onReject: () => undefined },
    );
    assert.ok(closed.ok);
    const port = closed.value.port;
    await closed.value.close();
    assert.equal(await pushUpdate({ addr: "::1", port }, 3, update(1), 1000), "unreachable");
    assert.deepEqual(await pullFrom({ addr: "::1", port }, 3, 1000), {
      ok: false,
      error: { code: "transport", detail: `connect ECONNREFUSED ::1:${port}` },
    });

    const silent = createServer(() => undefined); // never answers
    await new Promise<void>((r) => silent.listen(0, "::1", r));
    const sp = (silent.address() as { port: number }).port;
    try {
      const t0 = performance.now();
      assert.equal(await pushUpdate({ addr: "::1", port: sp }, 3, update(1), 200), "timeout");
      assert.ok(performance.now() - t0 < 1000);
      assert.deepEqual(await pullFrom({ addr: "::1", port: sp }, 3, 200), {
        ok: false,
        error: { code: "timeout" },
      });
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it("a pull answered with an error status or a bad body fails", async () => {
    const bad = createServer((req, res) => {
      if (req.url === "/v3/pull") res.writeHead(500).end("oops");
      else res.writeHead(200, { "content-type": "application/json" }).end('{"underlay": 5}');
    });
    await new Promise<void>((r) => bad.listen(0, "::1", r));
    const port = (bad.address() as { port: number }).port;
    try {
      assert.deepEqual(await pullFrom({ addr: "::1", port }, 3, 1000), {
        ok: false,
        error: { code: "status", status: 500 },
      });
      const r = await pullFrom({ addr: "::1", port }, 2, 1000);
      assert.equal(r.ok ? "ok" : r.error.code, "bad-body");
    } finally {
      bad.close();
    }
  });

  it("a pull's deadline grows with the declared body length, and a stalled body still times out", async () => {
    const body = JSON.stringify({ underlay: [{ destination: "fd00:9::/64", path: ["s9"] }], tunnel: null });
    const padded = body.padEnd(400_000, " ");
    const slow = createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(padded) });
      if (req.url === "/v3/pull") {
        // 400 kB in four pieces over ~300 ms: beyond the 150 ms timeout, within its 400 ms allowance.
        let i = 0;
        const next = () => {
          res.write(padded.slice(i * 100_000, (i + 1) * 100_000));
          i += 1;
          if (i < 4) setTimeout(next, 100);
          else res.end();
        };
        next();
      } else res.write(padded.slice(0, 1000)); // v2: the rest never comes
    });
    await new Promise<void>((r) => slow.listen(0, "::1", r));
    const port = (slow.address() as { port: number }).port;
    try {
      const r = await pullFrom({ addr: "::1", port }, 3, 150);
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(r.value.underlay.length, 1);
      const t0 = performance.now();
      const stalled = await pullFrom({ addr: "::1", port }, 2, 150);
      assert.deepEqual(stalled, { ok: false, error: { code: "timeout" } });
      assert.ok(performance.now() - t0 < 150 + 400 + 300, "bounded by timeout + allowance");
    } finally {
      slow.closeAllConnections();
      slow.close();
    }
  });
});
