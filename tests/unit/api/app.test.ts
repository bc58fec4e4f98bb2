import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { App } from "../../../api/app.js";
import { DomainError } from "../../../protocols/common/domain-error.js";
import { registerErrorCodes } from "../../../api/errors.js";
import { testApp } from "../../support/api.js";

registerErrorCodes({ TEST_E_EXISTS: 409, TEST_E_MISSING: 404 });

const widgets: FastifyPluginAsyncTypebox = async (app) => {
  app.put(
    "/widgets",
    {
      schema: {
        body: Type.Object(
          { name: Type.String({ minLength: 1 }), size: Type.Integer({ minimum: 1 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      if (req.body.name === "dup") throw new DomainError("TEST_E_EXISTS", "widget dup exists");
      if (req.body.name === "boom") throw new Error("kaboom");
      return { ok: true, version: req.apiVersion.join(".") };
    },
  );
  app.get("/widgets/:name", async () => {
    throw new DomainError("TEST_E_MISSING", "no such widget");
  });
};

describe("api app", () => {
  let app: App;
  before(async () => {
    app = await testApp({ plugins: [widgets], bodyLimit: 256 });
  });
  after(async () => app.close());

  it("serves /healthz", async () => {
    const r = await app.inject({ method: "GET", url: "/healthz" });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().status, "ok");
  });

  it("serves /readyz with 503 while a subsystem is not running", async () => {
    const notReady = await testApp({
      system: { readiness: () => ({ ready: false, subsystems: [{ name: "bfd", state: "starting" }] }) },
    });
    const r = await notReady.inject({ method: "GET", url: "/readyz" });
    assert.equal(r.statusCode, 503);
    assert.equal(r.json().subsystems[0].name, "bfd");
    await notReady.close();
  });

  it("serves the OpenAPI document listing the routes", async () => {
    const r = await app.inject({ method: "GET", url: "/openapi.json" });
    assert.equal(r.statusCode, 200);
    const doc = r.json();
    assert.equal(doc.openapi, "3.0.3");
    for (const p of ["/healthz", "/readyz", "/metrics", "/actors", "/config/status", "/widgets"]) {
      assert.ok(p in doc.paths, `missing ${p}`);
    }
  });

  it("serves a browsable API UI", async () => {
    const r = await app.inject({ method: "GET", url: "/docs/" });
    assert.equal(r.statusCode, 200);
    assert.match(r.headers["content-type"] as string, /text\/html/);
  });

  it("serves metrics as text", async () => {
    const r = await app.inject({ method: "GET", url: "/metrics" });
    assert.equal(r.statusCode, 200);
    assert.match(r.headers["content-type"] as string, /text\/plain/);
  });

  it("answers 400 naming the missing field", async () => {
    const r = await app.inject({ method: "PUT", url: "/widgets", payload: { size: 1 } });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().code, "API_E_VALIDATION");
    assert.equal(r.json().field, "body.name");
  });

  it("answers 400 naming the wrongly typed field", async () => {
    const r = await app.inject({ method: "PUT", url: "/widgets", payload: { name: "a", size: "big" } });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().field, "body.size");
  });

  it("answers 400 naming an unknown field", async () => {
    const r = await app.inject({
      method: "PUT",
      url: "/widgets",
      payload: { name: "a", size: 1, colour: "red" },
    });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().field, "body.colour");
  });

  it("answers 400 for malformed JSON", async () => {
    const r = await app.inject({
      method: "PUT",
      url: "/widgets",
      headers: { "content-type": "application/json" },
      payload: "{not json",
    });
    assert.equal(r.statusCode, 400);
  });

  it("answers 413 for a body over the limit", async () => {
    const r = await app.inject({
      method: "PUT",
      url: "/widgets",
      payload: { name: "x".repeat(1000), size: 1 },
    });
    assert.equal(r.statusCode, 413);
    assert.equal(r.json().code, "API_E_BODY_TOO_LARGE");
  });

  it("maps domain error codes to 409 and 404", async () => {
    const dup = await app.inject({ method: "PUT", url: "/widgets", payload: { name: "dup", size: 1 } });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json().code, "TEST_E_EXISTS");
    const missing = await app.inject({ method: "GET", url: "/widgets/x" });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, "TEST_E_MISSING");
  });

  it("maps an unexpected exception to a generic 500", async () => {
    const r = await app.inject({ method: "PUT", url: "/widgets", payload: { name: "boom", size: 1 } });
    assert.equal(r.statusCode, 500);
    assert.deepEqual(r.json(), { statusCode: 500, code: "API_E_INTERNAL", message: "internal error" });
  });

  it("answers an unknown route with a JSON 404", async () => {
    const r = await app.inject({ method: "GET", url: "/nope" });
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().code, "API_E_NOT_FOUND");
  });

  describe("api-version header", () => {
    it("absent means the latest", async () => {
      const r = await app.inject({ method: "PUT", url: "/widgets", payload: { name: "a", size: 1 } });
      assert.equal(r.json().version, "2.0.0");
    });
    it("an older version is passed to the route", async () => {
      const r = await app.inject({
        method: "PUT",
        url: "/widgets",
        headers: { "api-version": "1.0.0" },
        payload: { name: "a", size: 1 },
      });
      assert.equal(r.json().version, "1.0.0");
    });
    it("an unparsable version is a 400 with a clear message", async () => {
      const r = await app.inject({ method: "GET", url: "/healthz", headers: { "api-version": "two" } });
      assert.equal(r.statusCode, 400);
      assert.equal(r.json().code, "API_E_VERSION");
      assert.match(r.json().message, /MAJOR\.MINOR\.PATCH/);
    });
    it("a newer version than ours is a 400", async () => {
      const r = await app.inject({ method: "GET", url: "/healthz", headers: { "api-version": "3.0.0" } });
      assert.equal(r.statusCode, 400);
      assert.match(r.json().message, /newer than the newest this server speaks \(2\.0\.0\)/);
    });
  });
});
