import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiClient, DEFAULT_API_URL, resolveBaseUrl } from "../../../api/cli/client.js";
import { ExitCode, UsageError } from "../../../api/cli/command.js";
import { deadUrl, type FakeApi, startFakeApi } from "./fake-api.js";

let api: FakeApi;

before(async () => {
  api = await startFakeApi({
    "GET /ok": { status: 200, body: { hello: "world" } },
    "GET /readyz": { status: 503, body: { ready: false, subsystems: [] } },
    "POST /boom": {
      status: 409,
      body: {
        statusCode: 409,
        code: "BFD_E_PEER_EXISTS",
        message: "peer 10.0.0.1\nexists",
        field: "body.peer",
      },
    },
    "POST /config/reload": { status: 400, body: { statusCode: 400, code: "CFG_E_INVALID", message: "bad" } },
    "GET /html": { status: 502, raw: "<html><body>Bad Gateway</body></html>" },
    "GET /empty": { status: 204 },
    "GET /slow": "hang",
  });
});
after(async () => {
  await api.close();
});

function client(url = api.url, timeoutMs = 2000): ApiClient {
  return new ApiClient(new URL(url), timeoutMs);
}

describe("ApiClient", () => {
  it("returns the parsed JSON body and sends the api-version header", async () => {
    const r = await client().request("GET", "/ok");
    assert.ok(r.ok);
    assert.deepEqual(r.value, { status: 200, body: { hello: "world" } });
    const seen = api.seen.find((s) => s.url === "/ok");
    assert.match(String(seen?.headers["api-version"]), /^\d+\.\d+\.\d+$/);
  });

  it("treats listed statuses as answers, not failures", async () => {
    const r = await client().request("GET", "/readyz", { accept: [503] });
    assert.ok(r.ok);
    assert.equal(r.value.status, 503);
    const strict = await client().request("GET", "/readyz");
    assert.ok(!strict.ok);
  });

  it("turns our error body into one line with status, code, message and field; exit 1", async () => {
    const r = await client().request("POST", "/boom", { body: { peer: "10.0.0.1" } });
    assert.ok(!r.ok);
    assert.equal(r.error.message, "POST /boom: 409 BFD_E_PEER_EXISTS: peer 10.0.0.1 exists (body.peer)");
    assert.equal(r.error.exitCode, ExitCode.FAILURE);
    assert.equal(r.error.code, "BFD_E_PEER_EXISTS");
  });

  it("a config error from the daemon exits 2", async () => {
    const r = await client().request("POST", "/config/reload");
    assert.ok(!r.ok);
    assert.equal(r.error.exitCode, ExitCode.USAGE);
  });

  it("a non-JSON error page is summarised", async () => {
    const r = await client().request("GET", "/html");
    assert.ok(!r.ok);
    assert.equal(r.error.message, "GET /html: HTTP 502: <html><body>Bad Gateway</body></html>");
  });

  it("an empty 2xx body is undefined", async () => {
    const r = await client().request("GET", "/empty");
    assert.ok(r.ok);
    assert.equal(r.value.body, undefined);
  });

  it("keeps a base path prefix", async () => {
    const r = await client(`${api.url}/`).request("GET", "ok");
    assert.ok(r.ok);
  });

  it("an unreachable API exits 3 with a hint", async () => {
    const url = await deadUrl();
    const r = await client(url).request("GET", "/healthz");
    assert.ok(!r.ok);
    assert.equal(r.error.exitCode, ExitCode.UNREACHABLE);
    assert.match(
      r.error.message,
      /cannot reach the magnetite API at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
    );
  });

  it("a server that never answers times out and exits 3", async () => {
    const started = performance.now();
    const r = await client(api.url, 150).request("GET", "/slow");
    assert.ok(!r.ok);
    assert.equal(r.error.exitCode, ExitCode.UNREACHABLE);
    assert.match(r.error.message, /GET \/slow: no answer from .* within 150 ms/);
    assert.ok(performance.now() - started < 2000);
  });
});

describe("resolveBaseUrl", () => {
  it("prefers the flag, then MAGNETITE_API, then the default", () => {
    assert.equal(resolveBaseUrl("http://a:1", { MAGNETITE_API: "http://b:2" }).href, "http://a:1/");
    assert.equal(resolveBaseUrl(undefined, { MAGNETITE_API: "http://b:2" }).href, "http://b:2/");
    assert.equal(resolveBaseUrl(undefined, {}).href, `${DEFAULT_API_URL}/`);
  });

  it("rejects malformed and non-HTTP URLs as usage errors", () => {
    assert.throws(() => resolveBaseUrl("not a url", {}), UsageError);
    assert.throws(() => resolveBaseUrl("ftp://x", {}), /only http and https/);
  });
});
