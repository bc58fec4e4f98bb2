import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Value } from "@sinclair/typebox/value";
import { backendRoutes } from "../../../api/routes/backends.js";
import { BackendDetail, BackendList } from "../../../api/schemas/backends.js";
import { testApp } from "../../support/api.js";
import { backend, harness } from "./harness.js";

async function setup() {
  const h = await harness([
    backend("web1", "192.0.2.1"),
    backend("web2", "192.0.2.2"),
    backend("static", "192.0.2.3", { check: undefined, healthcheck: undefined }),
  ]);
  await h.advance(150);
  const app = await testApp({ plugins: [backendRoutes(() => h.service)] });
  return {
    h,
    app,
    async close() {
      await app.close();
      await h.close();
    },
  };
}

describe("REST /lb/backends (inject, real actors on a fake clock)", () => {
  it("GET /lb/backends lists every backend with name, state, address, check, duration and counter", async () => {
    const t = await setup();
    await t.h.advance(500);
    const res = await t.app.inject({ method: "GET", url: "/lb/backends" });
    assert.equal(res.statusCode, 200);
    const body: unknown = res.json();
    assert.ok(Value.Check(BackendList, body));
    assert.deepEqual(
      body.map((b) => [b.name, b.state, b.address, b.healthcheck, b.type, b.counter]),
      [
        ["static", "up", "192.0.2.3", null, null, 4],
        ["web1", "up", "192.0.2.1", "chk", "tcp", 4],
        ["web2", "up", "192.0.2.2", "chk", "tcp", 4],
      ],
    );
    const web1 = body.find((b) => b.name === "web1");
    assert.equal(web1?.duration_ms, 550); // up since the first probe at t=100 (fake clock)
    assert.equal(web1?.last_result?.code, "ok");
    await t.close();
  });

  it("GET /lb/backends/{name} has the history; unknown names are 404 HC_E_BACKEND_NOT_FOUND", async () => {
    const t = await setup();
    const res = await t.app.inject({ method: "GET", url: "/lb/backends/web1" });
    assert.equal(res.statusCode, 200);
    const body: unknown = res.json();
    assert.ok(Value.Check(BackendDetail, body));
    assert.deepEqual(
      body.history.map((h) => [h.from, h.to, h.code]),
      [["unknown", "up", "ok"]],
    );
    const missing = await t.app.inject({ method: "GET", url: "/lb/backends/nope" });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, "HC_E_BACKEND_NOT_FOUND");
    await t.close();
  });

  it("POST pause/resume/disable/enable answer the new state; refusals are 409, unknown 404, bad action 400", async () => {
    const t = await setup();
    const post = (path: string) => t.app.inject({ method: "POST", url: `/lb/backends/${path}` });
    const paused = await post("web1/pause");
    assert.equal(paused.statusCode, 200);
    assert.equal(paused.json().state, "paused");
    assert.deepEqual(t.h.admin.records.get("web1"), { action: "pause" });
    assert.equal((await post("web1/resume")).json().state, "unknown");
    assert.equal((await post("web1/disable")).json().state, "disabled");
    const refused = await post("web1/pause");
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().code, "HC_E_BACKEND_DISABLED");
    assert.equal((await post("web1/enable")).json().state, "unknown");
    assert.equal((await post("nope/pause")).statusCode, 404);
    const bad = await post("web1/reboot");
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, "API_E_VALIDATION");
    await t.close();
  });

  it("a failed persist is a 500 HC_E_PERSIST and the state stays", async () => {
    const t = await setup();
    t.h.admin.failWrites = true;
    const res = await t.app.inject({ method: "POST", url: "/lb/backends/web2/disable" });
    assert.equal(res.statusCode, 500);
    assert.equal(res.json().code, "HC_E_PERSIST");
    assert.equal((await t.app.inject({ method: "GET", url: "/lb/backends/web2" })).json().state, "up");
    await t.close();
  });

  it("before the subsystem has started the routes answer 503 API_E_NOT_READY", async () => {
    const app = await testApp({ plugins: [backendRoutes(() => undefined)] });
    const res = await app.inject({ method: "GET", url: "/lb/backends" });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().code, "API_E_NOT_READY");
    await app.close();
  });
});
