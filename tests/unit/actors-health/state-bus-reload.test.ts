import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pino } from "pino";
import { StateBus } from "../../../actors/health/state-bus.js";
import type { BackendStateEvent } from "../../../actors/health/types.js";
import { type ActorContext, stateless } from "../../../actors/runtime/index.js";
import type { HealthStatus } from "../../../protocols/health/index.js";
import { millis } from "../../../protocols/common/time.js";
import { backend, harness, tcpCheck } from "./harness.js";

const ev = (name: string, state: HealthStatus): BackendStateEvent => ({
  kind: "backend-state",
  name,
  address: "192.0.2.1",
  state,
  enabled: true,
  counter: 0,
  transition: { from: "unknown", to: state, at: millis(0), code: "ok", detail: "", counter: 0 },
});

describe("state bus: latest-value delivery", () => {
  it("a burst of flaps reaches a subscriber as the final state only, per backend", async () => {
    const bus = new StateBus(pino({ level: "silent" }));
    const got: string[] = [];
    bus.subscribe((e) => got.push(`${e.name}:${e.state}`));
    bus.publish(ev("a", "up"));
    bus.publish(ev("a", "down"));
    bus.publish(ev("b", "up"));
    bus.publish(ev("a", "up"));
    await bus.settled();
    assert.deepEqual(got.sort(), ["a:up", "b:up"]);
  });

  it("a late subscriber gets the current state of every backend replayed; removed ones are not replayed", async () => {
    const bus = new StateBus(pino({ level: "silent" }));
    bus.publish(ev("a", "up"));
    bus.publish(ev("b", "down"));
    bus.publish(ev("c", "up"));
    bus.publish(ev("c", "removed"));
    const got: string[] = [];
    const off = bus.subscribe((e) => got.push(`${e.name}:${e.state}`));
    await bus.settled();
    assert.deepEqual(got.sort(), ["a:up", "b:down"]);
    off();
    bus.publish(ev("a", "down"));
    await bus.settled();
    assert.equal(got.length, 2, "no delivery after unsubscribe");
  });

  it("a throwing subscriber does not starve the others", async () => {
    const bus = new StateBus(pino({ level: "silent" }));
    const got: string[] = [];
    bus.subscribe(() => {
      throw new Error("boom");
    });
    bus.subscribe((e) => got.push(e.state));
    bus.publish(ev("a", "up"));
    await bus.settled();
    assert.deepEqual(got, ["up"]);
  });

  it("an actor can subscribe by ref and receives states as messages", async () => {
    const h = await harness([backend("web1", "192.0.2.1")]);
    const got: string[] = [];
    const ref = h.system.spawn(
      stateless({
        kind: "test-consumer",
        receive: (m: BackendStateEvent, _ctx: ActorContext<BackendStateEvent>) => {
          got.push(`${m.name}:${m.state}`);
        },
      }),
      "consumer",
    );
    h.service.subscribe(ref);
    await h.advance(150);
    assert.deepEqual(got, ["web1:unknown", "web1:up"]);
    await h.close();
  });
});

describe("reload plans (maglev-vpp.md §2.7)", () => {
  it("an update keeps state and counter and mirrors the new address; probes go to it", async () => {
    const h = await harness([backend("web1", "192.0.2.1")]);
    await h.advance(150);
    const before = await h.service.get("web1");
    const report = await h.service.apply({
      start: [],
      restart: [],
      update: [{ spec: backend("web1", "192.0.2.100"), enabledChanged: false }],
      stop: [],
    });
    assert.deepEqual(report.failed, []);
    const after = await h.service.get("web1");
    assert.equal(after?.state, "up");
    assert.equal(after?.address, "192.0.2.100");
    assert.equal(after?.history.length, before?.history.length, "no new transition");
    await h.advance(1000);
    assert.equal(h.script.count("192.0.2.100"), 1);
    await h.close();
  });

  it("an update keeps an operator's pause unless the YAML `enabled` itself changed", async () => {
    const h = await harness([backend("web1", "192.0.2.1")]);
    await h.service.operate("web1", "pause");
    await h.service.apply({
      start: [],
      restart: [],
      update: [{ spec: backend("web1", "192.0.2.1"), enabledChanged: false }],
      stop: [],
    });
    assert.equal((await h.service.get("web1"))?.state, "paused");
    await h.service.apply({
      start: [],
      restart: [],
      update: [{ spec: backend("web1", "192.0.2.1", { enabled: false }), enabledChanged: true }],
      stop: [],
    });
    assert.equal((await h.service.get("web1"))?.state, "disabled");
    assert.equal(h.admin.records.size, 0, "disabled by config needs no record");
    await h.close();
  });

  it("a changed check restarts only that backend (fresh unknown, record cleared); others keep running", async () => {
    const h = await harness([backend("a", "192.0.2.1"), backend("b", "192.0.2.2")]);
    await h.advance(150);
    await h.service.operate("a", "pause");
    const bBefore = await h.service.get("b");
    await h.service.apply({
      start: [],
      restart: [backend("a", "192.0.2.1", { check: tcpCheck({ port: 8080 }) })],
      update: [],
      stop: [],
    });
    const a = await h.service.get("a");
    assert.equal(a?.state, "unknown");
    assert.equal(h.admin.records.has("a"), false);
    const b = await h.service.get("b");
    assert.equal(b?.state, "up");
    assert.ok((b?.durationMs ?? 0) >= (bBefore?.durationMs ?? 0));
    await h.close();
  });

  it("removed backends publish `removed` and stop; added ones start in unknown", async () => {
    const h = await harness([backend("old", "192.0.2.1")]);
    const seen: string[] = [];
    h.service.subscribe((e) => seen.push(`${e.name}:${e.state}`));
    await h.advance(150);
    await h.service.apply({ start: [backend("new", "192.0.2.2")], restart: [], update: [], stop: ["old"] });
    await h.settle();
    assert.ok(seen.includes("old:removed"));
    assert.ok(seen.includes("new:unknown"));
    assert.deepEqual(
      (await h.service.list()).map((r) => r.name),
      ["new"],
    );
    const runs = h.script.count("192.0.2.1");
    await h.advance(3000, 250);
    assert.equal(h.script.count("192.0.2.1"), runs, "a removed backend is not probed");
    await h.close();
  });
});
