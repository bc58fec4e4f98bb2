import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRegistry, defineMetrics } from "../../../actors/runtime/metrics-catalogue.js";
import { type ActorSample, createRuntimeMetrics } from "../../../actors/runtime/metrics.js";

describe("metrics catalogue", () => {
  it("keeps registries independent (never the global default)", async () => {
    const a = createRegistry();
    const b = createRegistry();
    const ma = createRuntimeMetrics(a);
    const mb = createRuntimeMetrics(b);
    ma.restarts.inc({ kind: "x" });
    assert.equal(await ma.restarts.value({ kind: "x" }), 1);
    assert.equal(await mb.restarts.value({ kind: "x" }), 0);
    ma.close();
    mb.close();
  });

  it("lets a subsystem declare typed metrics on the same registry", async () => {
    const registry = createRegistry();
    type Dir = "rx" | "tx";
    const make = () =>
      defineMetrics(registry, (f) => ({
        packets: f.counter<{ dir: Dir }>({
          name: "magnetite_test_packets_total",
          help: "h",
          labelNames: ["dir"],
        }),
        up: f.gauge({ name: "magnetite_test_up", help: "h", labelNames: [] }),
        latency: f.histogram<{ dir: Dir }>({
          name: "magnetite_test_latency_seconds",
          help: "h",
          labelNames: ["dir"],
          buckets: [0.1, 1],
        }),
      }));
    const m: ReturnType<typeof make> = make();
    m.packets.inc({ dir: "rx" }, 3);
    m.up.set({}, 1);
    m.latency.bind({ dir: "tx" }).observe(0.5);
    m.latency.observe({ dir: "tx" }, 0.05);
    assert.equal(await m.packets.value({ dir: "rx" }), 3);
    assert.equal(await m.up.value({}), 1);
    assert.equal(await m.latency.count({ dir: "tx" }), 2);
    const text = await registry.metrics();
    assert.match(text, /magnetite_test_packets_total\{dir="rx"\} 3/);
    // Histogram exposition: cumulative buckets, +Inf, sum and count, as prom-client renders them.
    assert.match(text, /# TYPE magnetite_test_latency_seconds histogram/);
    assert.match(text, /magnetite_test_latency_seconds_bucket\{dir="tx",le="0.1"\} 1/);
    assert.match(text, /magnetite_test_latency_seconds_bucket\{dir="tx",le="1"\} 2/);
    assert.match(text, /magnetite_test_latency_seconds_bucket\{dir="tx",le="\+Inf"\} 2/);
    assert.match(text, /magnetite_test_latency_seconds_sum\{dir="tx"\} 0.55/);
    assert.match(text, /magnetite_test_latency_seconds_count\{dir="tx"\} 2/);
    registry.resetMetrics();
    m.latency.bind({ dir: "tx" }).observe(2);
    assert.equal(await m.latency.count({ dir: "tx" }), 1);
    assert.match(await registry.metrics(), /magnetite_test_latency_seconds_bucket\{dir="tx",le="1"\} 0/);
  });

  it("computes mailbox depth and actor counts at scrape time", async () => {
    const registry = createRegistry();
    let pop: ActorSample[] = [
      { kind: "a", status: "running", mailboxDepth: 2 },
      { kind: "a", status: "restarting", mailboxDepth: 3 },
      { kind: "b", status: "running", mailboxDepth: 0 },
    ];
    const m = createRuntimeMetrics(registry, () => pop);
    let text = await registry.metrics();
    assert.match(text, /magnetite_actor_mailbox_depth\{kind="a"\} 5/);
    assert.match(text, /magnetite_actors\{kind="a",status="restarting"\} 1/);
    pop = [{ kind: "b", status: "running", mailboxDepth: 7 }];
    text = await registry.metrics();
    assert.doesNotMatch(text, /magnetite_actor_mailbox_depth\{kind="a"\}/);
    assert.match(text, /magnetite_actor_mailbox_depth\{kind="b"\} 7/);
    assert.match(text, /magnetite_event_loop_lag_seconds\{stat="p99"\}/);
    m.close();
  });

  it("keeps one last-crash series per kind holding the newest reason", async () => {
    const registry = createRegistry();
    const m = createRuntimeMetrics(registry);
    m.recordCrash("k", "TypeError", 100);
    m.recordCrash("k", "BFD_E_X", 200);
    assert.equal(await m.lastCrash.value({ kind: "k", reason: "TypeError" }), undefined);
    assert.equal(await m.lastCrash.value({ kind: "k", reason: "BFD_E_X" }), 200);
    m.close();
  });
});
