import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import type { App } from "../../../api/app.js";
import { eventRoutes } from "../../../api/routes/events.js";
import { lbRoutes } from "../../../api/routes/lb.js";
import { testApp } from "../../support/api.js";
import { frontend, pool } from "../lb/builders.js";
import { type Harness, harness } from "./harness.js";
import type { MemoryLbDataplane } from "../../../dataplane/memory/memory-lb-dataplane.js";

const web = frontend("web", "192.0.2.1", [
  pool("primary", [
    ["a", "10.0.0.1"],
    ["b", "10.0.0.2", 50],
  ]),
  pool("fallback", [["c", "10.0.0.3"]]),
]);

describe("LB REST routes (inject, real actors over the memory dataplane)", () => {
  let h: Harness<MemoryLbDataplane>;
  let app: App;
  before(async () => {
    h = await harness({ frontends: [web], states: { a: "up", b: "down", c: "up" } });
    app = await testApp({ plugins: [lbRoutes(() => h.svc), eventRoutes(() => h.svc.hub, 50)] });
  });
  after(async () => {
    await app.close();
    await h.stop();
  });

  it("GET /lb/frontends lists frontends with state, duration, active pool and effective weights", async () => {
    const r = await app.inject({ method: "GET", url: "/lb/frontends" });
    assert.equal(r.statusCode, 200);
    const [f] = r.json();
    assert.equal(f.name, "web");
    assert.equal(f.state, "up");
    assert.equal(f.active_pool, "primary");
    assert.equal(typeof f.duration_ms, "number");
    assert.deepEqual(
      f.pools.map(
        (p: { name: string; backends: { name: string; weight: number; effective_weight: number }[] }) => [
          p.name,
          p.backends.map((b) => `${b.name}:${b.weight}/${b.effective_weight}`),
        ],
      ),
      [
        ["primary", ["a:100/100", "b:50/0"]],
        ["fallback", ["c:100/0"]],
      ],
    );
  });

  it("GET /lb/frontends/{name} answers 404 with a code for an unknown name", async () => {
    assert.equal((await app.inject({ method: "GET", url: "/lb/frontends/web" })).json().name, "web");
    const r = await app.inject({ method: "GET", url: "/lb/frontends/nope" });
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().code, "LB_E_FRONTEND_NOT_FOUND");
  });

  it("PUT …/weight overrides at once, validates, and 404s unknown members", async () => {
    const url = "/lb/frontends/web/pools/primary/backends/a/weight";
    const r = await app.inject({ method: "PUT", url, payload: { weight: 20 } });
    assert.equal(r.statusCode, 200);
    const a = r.json().pools[0].backends[0];
    assert.deepEqual([a.weight, a.configured_weight, a.overridden, a.effective_weight], [20, 100, true, 20]);
    await h.settle();
    const vips = (await app.inject({ method: "GET", url: "/lb/vips" })).json();
    assert.equal(vips.dataplane, "memory");
    assert.equal(vips.vips[0].frontend, "web");
    assert.deepEqual(
      vips.vips[0].ases.map((x: { address: string; weight: number }) => `${x.address}=${x.weight}`),
      ["10.0.0.1=20", "10.0.0.2=0", "10.0.0.3=0"],
    );
    const bad = await app.inject({ method: "PUT", url, payload: { weight: 101 } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, "API_E_VALIDATION");
    const missing = await app.inject({
      method: "PUT",
      url: "/lb/frontends/web/pools/primary/backends/c/weight",
      payload: { weight: 1, flush: true },
    });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, "LB_E_MEMBER_NOT_FOUND");
    await app.inject({ method: "PUT", url, payload: { weight: 100 } });
  });

  it("POST /lb/sync runs a full sync and reports it; GET /lb/vips is 503 while disconnected", async () => {
    const r = await app.inject({ method: "POST", url: "/lb/sync" });
    assert.equal(r.statusCode, 200);
    assert.deepEqual([r.json().ran, r.json().suppressed, r.json().error], [true, null, null]);
    h.dp.setConnected(false);
    const down = await app.inject({ method: "GET", url: "/lb/vips" });
    assert.equal(down.statusCode, 503);
    assert.equal(down.json().code, "LB_E_UNAVAILABLE");
    const held = (await app.inject({ method: "POST", url: "/lb/sync" })).json();
    assert.deepEqual([held.ran, held.suppressed], [false, "disconnected"]);
    h.dp.setConnected(true);
    await h.settle();
  });

  it("GET /events replays current states, then streams live transitions", async () => {
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    assert.ok(address !== null && typeof address === "object");
    const frames: string[] = [];
    let buffer = "";
    const done = new Promise<void>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: address.port, path: "/events" }, (res) => {
        assert.equal(res.headers["content-type"], "text/event-stream; charset=utf-8");
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffer += chunk;
          const parts = buffer.split("\n\n");
          buffer = parts.pop() ?? "";
          for (const p of parts) if (p.includes("data: ")) frames.push(p);
          if (frames.length === 1 + 3 + 1) {
            req.destroy();
            resolve();
          }
          // Once the replay (3 backends + 1 frontend) is in, make a live transition.
          if (frames.length === 4) h.states.set("a", "down");
        });
      });
      req.on("error", (e) => (e.message.includes("aborted") ? resolve() : reject(e)));
      setTimeout(() => reject(new Error(`only ${frames.length} frames`)), 3000).unref();
      req.end();
    });
    await done;
    const data = frames.map((f) => JSON.parse(f.split("data: ")[1] ?? "{}"));
    assert.deepEqual(
      data.slice(0, 4).map((d) => `${d.type} ${d.name} ${d.from}>${d.to}`),
      ["backend a up>up", "backend b down>down", "backend c up>up", "frontend web up>up"],
    );
    assert.ok(frames[0]?.startsWith("id: 1\nevent: backend\n"));
    assert.deepEqual(data[4], { ...data[4], type: "backend", name: "a", from: "up", to: "down" });
    h.states.set("a", "up");
    await h.settle();
  });

  it("closing the server ends open event streams instead of waiting for the clients", async () => {
    const own = await testApp({ plugins: [eventRoutes(() => h.svc.hub)] });
    await own.listen({ host: "127.0.0.1", port: 0 });
    const address = own.server.address();
    assert.ok(address !== null && typeof address === "object");
    const ended = new Promise<void>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: address.port, path: "/events" }, (res) => {
        res.once("data", () => void own.close());
        res.on("end", () => resolve());
        res.on("error", () => resolve());
      });
      req.on("error", reject);
      req.end();
    });
    const t0 = performance.now();
    await ended;
    assert.ok(performance.now() - t0 < 2000);
    assert.equal(h.svc.hub.subscribers, 0, "the stream unsubscribed");
  });

  it("answers 503 API_E_NOT_READY before the subsystem started", async () => {
    const cold = await testApp({ plugins: [lbRoutes(() => undefined), eventRoutes(() => undefined)] });
    for (const url of ["/lb/frontends", "/lb/vips", "/events"]) {
      const r = await cold.inject({ method: "GET", url });
      assert.equal(r.statusCode, 503, url);
      assert.equal(r.json().code, "API_E_NOT_READY");
    }
    await cold.close();
  });
});
