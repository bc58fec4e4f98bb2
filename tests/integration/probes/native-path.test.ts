/**
 * TCP and HTTP probes choose their path by target: IP literals run on the
 * native stream-probe engine, host names on Node sockets. Both give the same
 * results; the native path leaves no descriptor behind over thousands of
 * probes, including timeouts and owner aborts.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { streamProbeStats } from "dgram-extended";
import { createHttpProbe } from "../../../dataplane/probes/http.js";
import { createTcpProbe } from "../../../dataplane/probes/tcp.js";
import { parseStatusSet } from "../../../protocols/health/status-set.js";
import { start, type Tracked } from "./servers.js";

const never = new AbortController().signal;
const ok200 = (() => {
  const r = parseStatusSet("200");
  assert.ok(r.ok);
  return r.value;
})();
const servers: Tracked[] = [];
async function keep(t: Promise<Tracked>): Promise<Tracked> {
  const s = await t;
  servers.push(s);
  return s;
}
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
const fdCount = (): number => readdirSync("/proc/self/fd").length;

describe("probe paths", () => {
  it("a host name takes the Node-socket path and passes like an address", async () => {
    const tcp = await keep(start(createServer((c: Socket) => c.resume())));
    const http = await keep(
      start(
        createHttpServer((_q, res) => {
          res.end("ok");
        }),
      ),
    );
    const byName = { address: "localhost" };
    const byAddress = { address: "127.0.0.1" };
    for (const t of [byName, byAddress]) {
      const r1 = await createTcpProbe({ port: tcp.port, timeoutMs: 1000 }).run(t, never);
      assert.equal(r1.detail, "connected", t.address);
      const r2 = await createHttpProbe({ port: http.port, timeoutMs: 1000, expect: ok200 }).run(t, never);
      assert.equal(r2.detail, "HTTP 200", t.address);
    }
  });

  it("an answer head split over two segments is judged once complete", async () => {
    const s = await keep(
      start(
        createServer((c) =>
          c.once("data", () => {
            c.write("HTTP/1.1 200 OK\r\nContent-");
            setTimeout(() => c.write("Length: 2\r\n\r\nok"), 20);
          }),
        ),
      ),
    );
    const r = await createHttpProbe({ port: s.port, timeoutMs: 1000, expect: ok200, bodyRegex: /^ok$/ }).run(
      { address: "127.0.0.1" },
      never,
    );
    assert.equal(r.detail, "HTTP 200, body matches /^ok$/");
  });

  it("2,000 native probes with timeouts and aborts leave no descriptor open", async () => {
    const silent = await keep(start(createServer((c: Socket) => c.resume())));
    const http = await keep(start(createHttpServer((_q, res) => res.end("ok"))));
    // Connections of the earlier tests close asynchronously on the server side.
    await Promise.all(servers.map((t) => t.allClosed(2000)));
    const fds = fdCount();
    const tcp = createTcpProbe({ port: silent.port, timeoutMs: 30, send: "x", expect: "y" });
    const web = createHttpProbe({ port: http.port, timeoutMs: 1000, expect: ok200 });
    const codes = new Map<string, number>();
    for (let round = 0; round < 4; round++) {
      const owner = new AbortController();
      const runs = [];
      for (let i = 0; i < 500; i++) {
        const target = { address: "127.0.0.1" };
        runs.push(i % 3 === 0 ? tcp.run(target, never) : web.run(target, i % 3 === 1 ? owner.signal : never));
      }
      setImmediate(() => owner.abort());
      for (const r of await Promise.all(runs)) codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
    }
    assert.equal(codes.get("timeout"), 668);
    assert.equal((codes.get("ok") ?? 0) + (codes.get("aborted") ?? 0), 1332);
    assert.ok((codes.get("ok") ?? 0) >= 664, "probes not on the aborted signal pass");
    assert.equal(streamProbeStats().open, 0);
    assert.equal(streamProbeStats().inFlight, 0);
    await silent.allClosed(2000);
    await http.allClosed(2000);
    assert.equal(fdCount(), fds);
  });
});
