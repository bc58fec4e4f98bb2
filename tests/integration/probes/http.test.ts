import assert from "node:assert/strict";
import { createServer as createHttpServer, type IncomingHttpHeaders } from "node:http";
import { createServer } from "node:net";
import { once } from "node:events";
import { after, describe, it } from "node:test";
import { parseStatusSet, type StatusSet } from "../../../protocols/health/status-set.js";
import { createHttpProbe } from "../../../dataplane/probes/http.js";
import type { HttpProbeOptions } from "../../../dataplane/probes/http-common.js";
import { closedPort, start, type Tracked } from "./servers.js";

const TIMEOUT = 200;
const target = { address: "127.0.0.1" };
const never = new AbortController().signal;

function statuses(text: string): StatusSet {
  const r = parseStatusSet(text);
  assert.ok(r.ok);
  return r.value;
}

type Seen = {
  method?: string | undefined;
  url?: string | undefined;
  headers?: IncomingHttpHeaders;
  remote?: string | undefined;
};

/** An HTTP server answering `status` and `body`, recording the last request. */
async function httpServer(status: number, body = "ok", seen: Seen = {}): Promise<Tracked> {
  return start(
    createHttpServer((req, res) => {
      seen.method = req.method;
      seen.url = req.url;
      seen.headers = req.headers;
      seen.remote = req.socket.remoteAddress;
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(body);
    }),
  );
}

function probe(port: number, extra: Partial<HttpProbeOptions> = {}) {
  return createHttpProbe({ port, timeoutMs: TIMEOUT, expect: statuses("200-299"), ...extra });
}

const servers: Tracked[] = [];
async function keep(t: Promise<Tracked>): Promise<Tracked> {
  const s = await t;
  servers.push(s);
  return s;
}
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe("HTTP probe against loopback servers", () => {
  it("HTTP 200 passes; method, path, Host and User-Agent are sent; the socket is closed", async () => {
    const seen: Seen = {};
    const s = await keep(httpServer(200, "ok", seen));
    const r = await probe(s.port, { path: "/healthz?x=1", host: "www.example.net", userAgent: "ua/1" }).run(
      target,
      never,
    );
    assert.equal(r.ok, true);
    assert.equal(r.code, "ok");
    assert.equal(r.detail, "HTTP 200");
    assert.ok(r.latencyMs >= 0 && r.latencyMs < TIMEOUT);
    assert.equal(seen.method, "GET");
    assert.equal(seen.url, "/healthz?x=1");
    assert.equal(seen.headers?.host, "www.example.net");
    assert.equal(seen.headers?.["user-agent"], "ua/1");
    await s.allClosed();
  });

  it("HEAD is honoured and a status in a listed range or code passes", async () => {
    const seen: Seen = {};
    const s = await keep(httpServer(301, "", seen));
    const r = await probe(s.port, { method: "head", expect: statuses("200-299,301") }).run(target, never);
    assert.equal(r.ok, true);
    assert.equal(seen.method, "HEAD");
    await s.allClosed();
  });

  it("a status outside the expected set fails with bad-status", async () => {
    const s = await keep(httpServer(503));
    const r = await probe(s.port).run(target, never);
    assert.equal(r.ok, false);
    assert.equal(r.code, "bad-status");
    assert.match(r.detail, /HTTP 503, expected 200-299/);
    await s.allClosed();
  });

  it("a server slower than the timeout fails with timeout, promptly, and the socket is closed", async () => {
    const s = await keep(start(createHttpServer(() => {})));
    const before = performance.now();
    const r = await probe(s.port, { timeoutMs: 150 }).run(target, never);
    const took = performance.now() - before;
    assert.equal(r.code, "timeout");
    assert.ok(took >= 140 && took < 1000, `took ${took} ms`);
    await s.allClosed();
  });

  it("a stopped server fails with refused", async () => {
    const port = await closedPort(createServer());
    const r = await probe(port).run(target, never);
    assert.equal(r.code, "refused");
  });

  it("a TCP reset fails with reset", async () => {
    const s = await keep(start(createServer((c) => c.once("data", () => c.resetAndDestroy()))));
    const r = await probe(s.port).run(target, never);
    assert.equal(r.code, "reset", r.detail);
  });

  it("a clean close before any response fails with closed", async () => {
    const s = await keep(start(createServer((c) => c.once("data", () => c.end()))));
    const r = await probe(s.port).run(target, never);
    assert.equal(r.code, "closed", r.detail);
  });

  it("a non-HTTP answer fails with protocol-error at once, not a timeout", async () => {
    // resume(): read (and drop) the request so the probe's FIN is seen and the server side closes.
    const s = await keep(start(createServer((c) => c.resume().write("SSH-2.0-OpenSSH_9.2\r\n"))));
    const r = await probe(s.port, { timeoutMs: 2000 }).run(target, never);
    assert.equal(r.code, "protocol-error", r.detail);
    assert.ok(r.latencyMs < 1000);
    await s.allClosed();
  });

  it("body regex: a match passes, a mismatch fails with body-mismatch", async () => {
    const s = await keep(httpServer(200, "status: healthy\n"));
    const good = await probe(s.port, { bodyRegex: /status: (healthy|degraded)/g }).run(target, never);
    assert.equal(good.ok, true, good.detail);
    const bad = await probe(s.port, { bodyRegex: /status: down/ }).run(target, never);
    assert.equal(bad.code, "body-mismatch");
    await s.allClosed();
  });

  it("body regex only sees the first bodyLimit bytes, and a huge body is not read to the end", async () => {
    const s = await keep(
      start(
        createHttpServer((_req, res) => {
          res.writeHead(200);
          res.write("x".repeat(2048));
          res.write("MARK"); // beyond the limit below
          // Never end: the probe must decide from the limit, not wait for EOF.
        }),
      ),
    );
    const r = await probe(s.port, { bodyRegex: /MARK/, bodyLimit: 1024, timeoutMs: 2000 }).run(target, never);
    assert.equal(r.code, "body-mismatch");
    assert.ok(r.latencyMs < 1000, `took ${r.latencyMs}`);
    const hit = await probe(s.port, { bodyRegex: /^x{1000}/, bodyLimit: 1024, timeoutMs: 2000 }).run(
      target,
      never,
    );
    assert.equal(hit.ok, true);
    await s.allClosed();
  });

  it("the IPv4 source address is used, and an unusable one fails with bind-error", async () => {
    const seen: Seen = {};
    const s = await keep(httpServer(200, "ok", seen));
    const r = await probe(s.port, { sourceIpv4: "127.0.0.2", sourceIpv6: "::1" }).run(target, never);
    assert.equal(r.ok, true, r.detail);
    assert.equal(seen.remote, "127.0.0.2");
    // 192.0.2.1 (TEST-NET-1) is not assigned here, so bind() fails locally; nothing is sent.
    const bad = await probe(s.port, { sourceIpv4: "192.0.2.1" }).run(target, never);
    assert.equal(bad.code, "bind-error", bad.detail);
  });

  it("the owner's abort ends the probe with aborted and closes the socket", async () => {
    const server = createHttpServer(() => {});
    const s = await keep(start(server));
    const owner = new AbortController();
    const pending = probe(s.port, { timeoutMs: 5000 }).run(target, owner.signal);
    await once(server, "request", { signal: AbortSignal.timeout(1000) });
    owner.abort();
    const r = await pending;
    assert.equal(r.code, "aborted");
    await s.allClosed();
    const pre = await probe(s.port).run(target, AbortSignal.abort());
    assert.equal(pre.code, "aborted");
  });

  it("bad options throw HC_E_INVALID_CONFIG at construction", () => {
    assert.throws(() => probe(0), /port must be/);
    assert.throws(() => probe(80, { path: "healthz" }), /path must start/);
    assert.throws(() => probe(80, { timeoutMs: 0 }), /timeout/);
    assert.throws(() => probe(80, { bodyLimit: 0 }), /body limit/);
    // No request smuggling through the config: CR/LF and spaces are refused, not sent.
    assert.throws(() => probe(80, { path: "/a b" }), /visible ASCII/);
    assert.throws(() => probe(80, { host: "a\r\nX-Evil: 1" }), /control characters/);
    assert.throws(() => probe(80, { userAgent: "ua\n" }), /control characters/);
    assert.throws(() => probe(80, { method: "GE T" }), /token/);
  });

  it("without a configured host, Host is the address and the port (RFC 9110 §7.2)", async () => {
    const seen: Seen = {};
    const s = await keep(httpServer(200, "ok", seen));
    const r = await probe(s.port).run(target, never);
    assert.equal(r.ok, true, r.detail);
    assert.equal(seen.headers?.host, `127.0.0.1:${s.port}`);
    assert.equal(seen.headers?.connection, "close");
  });

  it("a chunked body is decoded for the regex; interim 1xx answers are skipped", async () => {
    const s = await keep(
      start(
        createServer((c) =>
          c.once("data", () =>
            c.end(
              "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                "7\r\nstatus:\r\n8\r\n healthy\r\n0\r\n\r\n",
            ),
          ),
        ),
      ),
    );
    const r = await probe(s.port, { bodyRegex: /status: healthy/ }).run(target, never);
    assert.equal(r.ok, true, r.detail);
    assert.equal(r.detail, "HTTP 200, body matches /status: healthy/");
  });

  it("a body cut short of its Content-Length fails with closed; a header-less close body is judged at EOF", async () => {
    const short = await keep(
      start(
        createServer((c) => c.once("data", () => c.end("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nok"))),
      ),
    );
    const cut = await probe(short.port, { bodyRegex: /ok/ }).run(target, never);
    assert.equal(cut.code, "closed", cut.detail);
    const eof = await keep(
      start(createServer((c) => c.once("data", () => c.end("HTTP/1.0 200 OK\r\n\r\nall ok")))),
    );
    const judged = await probe(eof.port, { bodyRegex: /all ok$/ }).run(target, never);
    assert.equal(judged.ok, true, judged.detail);
  });

  it("a close inside the response head and a malformed header fail with protocol-error", async () => {
    const half = await keep(
      start(createServer((c) => c.once("data", () => c.end("HTTP/1.1 200 OK\r\nServ")))),
    );
    assert.equal((await probe(half.port).run(target, never)).code, "protocol-error");
    const bad = await keep(
      start(createServer((c) => c.once("data", () => c.end("HTTP/1.1 200 OK\r\nno colon\r\n\r\n")))),
    );
    const r = await probe(bad.port).run(target, never);
    assert.equal(r.code, "protocol-error");
    assert.match(r.detail, /bad header line/);
  });
});
