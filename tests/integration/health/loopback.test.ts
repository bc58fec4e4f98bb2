/**
 * Health actors against real servers on loopback, on the real clock, with
 * short intervals so each test takes well under a second or two.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BackendSpec, CheckSpec } from "../../../actors/health/types.js";
import { closeServer, httpServer, realService, resettingServer } from "./support.js";

const FAST = {
  interval: 100,
  fastInterval: 40,
  downInterval: 30_000,
  timeout: 150,
  rise: 2,
  fall: 3,
} as const;

const spec = (name: string, check: CheckSpec): BackendSpec => ({
  name,
  address: "127.0.0.1",
  healthcheck: "chk",
  check,
  enabled: true,
});

describe("health actors against loopback servers", () => {
  it("a server that stops goes down after exactly `fall` failed probes, coded refused", async () => {
    const srv = await httpServer();
    const t = realService([spec("web", { type: "http", port: srv.port, ...FAST })]);
    try {
      await t.until("web", "up");
      await closeServer(srv.server);
      const down = await t.until("web", "down");
      assert.equal(down.transition?.code, "refused");
      const m = t.service.metrics;
      assert.equal(
        await m.probes.value({ backend: "web", type: "http", result: "fail", code: "refused" }),
        3,
      );
      const snap = await t.service.get("web");
      assert.equal(snap?.counter, 0);
    } finally {
      await t.close();
    }
  });

  it("a server slower than the timeout fails with code timeout", async () => {
    const srv = await httpServer({ delayMs: 1000 });
    const t = realService([spec("slow", { type: "http", port: srv.port, ...FAST })]);
    try {
      const down = await t.until("slow", "down");
      assert.equal(down.transition?.code, "timeout");
      assert.equal((await t.service.get("slow"))?.lastResult?.code, "timeout");
    } finally {
      await t.close();
      await closeServer(srv.server);
    }
  });

  it("a wrong HTTP status is a failure (bad-status); a listed one passes", async () => {
    const srv = await httpServer({ status: 503 });
    const t = realService([
      spec("strict", { type: "http", port: srv.port, ...FAST }),
      spec("lenient", { type: "http", port: srv.port, ...FAST, http: { expectStatus: "200-299,503" } }),
    ]);
    try {
      const down = await t.until("strict", "down");
      assert.equal(down.transition?.code, "bad-status");
      assert.match(down.transition?.detail ?? "", /503/);
      await t.until("lenient", "up");
    } finally {
      await t.close();
      await closeServer(srv.server);
    }
  });

  it("a TCP reset after connect fails a send/expect check with code reset", async () => {
    const { server, port } = await resettingServer();
    const t = realService([
      spec("rst", { type: "tcp", port, ...FAST, tcp: { send: "PING\r\n", expect: "PONG" } }),
    ]);
    try {
      const down = await t.until("rst", "down");
      assert.equal(down.transition?.code, "reset");
    } finally {
      await t.close();
      await closeServer(server);
    }
  });

  it("a paused backend's server sees no probes at all; resume brings it back", async () => {
    const srv = await httpServer();
    const t = realService([spec("web", { type: "http", port: srv.port, ...FAST })]);
    try {
      await t.until("web", "up");
      const r = await t.service.operate("web", "pause");
      assert.equal(r.ok && r.snapshot.state, "paused");
      const seen = srv.requests();
      // Ten probe periods without a single request (a bounded observation window, not a sync point).
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assert.equal(srv.requests(), seen);
      await t.service.operate("web", "resume");
      await t.until("web", "up");
      assert.ok(srv.requests() > seen);
    } finally {
      await t.close();
      await closeServer(srv.server);
    }
  });
});
