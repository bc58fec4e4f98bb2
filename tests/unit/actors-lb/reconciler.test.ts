import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { MemoryLbDataplane } from "../../../dataplane/memory/memory-lb-dataplane.js";
import { millis } from "../../../protocols/common/time.js";
import { hostVipKey, ip, type LbOp, vipKeyId } from "../../../protocols/lb/index.js";
import { frontend, pool } from "../lb/builders.js";
import { type Harness, harness, metric, persisted, settings } from "./harness.js";

const web = frontend("web", "192.0.2.1", [
  pool("primary", [
    ["a", "10.0.0.1"],
    ["b", "10.0.0.2", 50],
  ]),
  pool("fallback", [["c", "10.0.0.3"]]),
]);
const api = frontend("api", "192.0.2.2", [pool("p", [["d", "10.0.1.1"]])], { port: 443 });
const WEB = vipKeyId(hostVipKey(ip("192.0.2.1"), 6, 80));
const API = vipKeyId(hostVipKey(ip("192.0.2.2"), 6, 443));

function weights(h: Harness<MemoryLbDataplane>, vip: string): Record<string, number> {
  const v = h.dp.state.get(vip);
  return Object.fromEntries([...(v?.ases.values() ?? [])].map((a) => [a.address, a.weight]));
}

const writes = (log: readonly LbOp[]): string[] =>
  log.map(
    (op) =>
      `${op.kind} ${"address" in op ? op.address : vipKeyId(op.key)}${"flush" in op && op.flush ? " F" : ""}`,
  );

let h: Harness<MemoryLbDataplane> | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe("lb reconciler over the memory dataplane", () => {
  it("cold start without warmup programs every VIP with §4.2 weights in one full sync", async () => {
    h = await harness({ frontends: [web, api], states: { a: "up", b: "up", c: "up", d: "down" } });
    assert.deepEqual(weights(h, WEB), { "10.0.0.1": 100, "10.0.0.2": 50, "10.0.0.3": 0 });
    assert.deepEqual(weights(h, API), { "10.0.1.1": 0 });
    const snap = await h.svc.get("web");
    assert.equal(snap?.state, "up");
    assert.equal(snap?.activePool, "primary");
    assert.equal((await h.svc.get("api"))?.state, "down");
    assert.equal(await metric(h.registry, "magnetite_lb_sync_operations_total", { kind: "vip-add" }), 2);
    assert.equal(h.fatal.length, 0);
  });

  it("a backend transition changes only its VIP; failover drains the primary and fills the fallback", async () => {
    h = await harness({ frontends: [web, api], states: { a: "up", b: "up", c: "up", d: "up" } });
    h.dp.log.length = 0;
    h.states.set("a", "down");
    h.states.set("b", "disabled");
    await h.settle();
    assert.deepEqual(weights(h, WEB), { "10.0.0.1": 0, "10.0.0.2": 0, "10.0.0.3": 100 });
    // One coalesced VIP sync, ASes in numeric order, flushes for down (flush-on-down) and disabled.
    assert.deepEqual(writes(h.dp.log), [
      "as-set-weight 10.0.0.1 F",
      "as-set-weight 10.0.0.2 F",
      "as-set-weight 10.0.0.3",
    ]);
    const snap = await h.svc.get("web");
    assert.equal(snap?.activePool, "fallback");
    assert.equal(snap?.state, "up");
    assert.ok(
      h.dp.log.every((op) => vipKeyId(op.key) === WEB),
      "the other VIP is not touched",
    );
  });

  it("a burst of flaps converges on the final state", async () => {
    h = await harness({ frontends: [web], states: { a: "up", b: "up", c: "up" } });
    for (let i = 0; i < 50; i++) h.states.set("a", i % 2 === 0 ? "down" : "up");
    h.states.set("a", "down");
    await h.settle();
    assert.equal(weights(h, WEB)["10.0.0.1"], 0);
    h.states.set("a", "up");
    await h.settle();
    assert.equal(weights(h, WEB)["10.0.0.1"], 100);
  });

  it("the periodic full sync repairs drift and removes owned VIPs no longer configured, not foreign ones", async () => {
    h = await harness({ frontends: [web, api], states: { a: "up", b: "up", c: "up", d: "up" } });
    // Someone changes a weight behind our back and adds a foreign VIP.
    const foreign = hostVipKey(ip("198.51.100.9"), 17, 53);
    await h.dp.apply([
      {
        kind: "as-set-weight",
        key: hostVipKey(ip("192.0.2.1"), 6, 80),
        address: ip("10.0.0.1"),
        weight: 7,
        flush: false,
        reason: "weight",
      },
      {
        kind: "vip-add",
        key: foreign,
        encap: "gre4",
        srcIpSticky: false,
        flowTableLength: 1024,
        reason: "missing",
      },
    ]);
    await h.advance(29_000);
    assert.equal(weights(h, WEB)["10.0.0.1"], 7, "not repaired before the interval");
    await h.advance(1_000);
    assert.equal(weights(h, WEB)["10.0.0.1"], 100, "repaired by the drift sync");
    assert.ok(h.dp.state.has(vipKeyId(foreign)), "a foreign VIP is left alone");
    const report = await h.svc.apply({ frontends: [web], settings: settings() });
    assert.deepEqual(report.removed, ["api"]);
    await h.settle();
    assert.ok(!h.dp.state.has(API), "the owned VIP of a removed frontend is deleted");
    assert.ok(h.dp.state.has(vipKeyId(foreign)));
    assert.equal(h.store.owned.get(API), undefined);
  });

  it("a dataplane restart (empty) triggers a full resync on reconnect", async () => {
    h = await harness({ frontends: [web, api], states: { a: "up", b: "up", c: "up", d: "up" } });
    h.dp.restartEmpty();
    await h.settle();
    assert.deepEqual(weights(h, WEB), { "10.0.0.1": 100, "10.0.0.2": 50, "10.0.0.3": 0 });
    assert.ok(h.dp.state.has(API));
  });

  it("dataplane refusals are counted by code and retried with backoff until they converge", async () => {
    h = await harness({
      frontends: [web],
      states: { a: "up", b: "up", c: "up" },
      retry: { initialMs: 500, maxMs: 4000 },
    });
    h.dp.injectFailure({ atOp: 0, retval: -7 });
    h.dp.injectFailure({ atOp: 0, retval: -7 });
    h.states.set("a", "down");
    await h.settle();
    assert.equal(weights(h, WEB)["10.0.0.1"], 100, "refused");
    assert.equal(await metric(h.registry, "magnetite_lb_errors_total", { code: "LB_E_INVALID_VALUE" }), 1);
    await h.advance(500);
    assert.equal(await metric(h.registry, "magnetite_lb_errors_total", { code: "LB_E_INVALID_VALUE" }), 2);
    await h.advance(999);
    assert.equal(weights(h, WEB)["10.0.0.1"], 100, "second retry waits for the doubled delay");
    await h.advance(1);
    assert.equal(weights(h, WEB)["10.0.0.1"], 0);
    assert.equal(h.fatal.length, 0);
  });

  it("syncs are held while disconnected and a reconnect resyncs", async () => {
    h = await harness({ frontends: [web], states: { a: "up", b: "up", c: "up" } });
    h.dp.setConnected(false);
    h.states.set("a", "down");
    await h.settle();
    const held = await h.svc.sync();
    assert.deepEqual([held.ran, held.suppressed], [false, "disconnected"]);
    h.dp.setConnected(true);
    await h.settle();
    assert.equal(weights(h, WEB)["10.0.0.1"], 0);
  });
});

describe("startup warmup (§4.5)", () => {
  const warm = settings({ warmup: { minDelay: millis(5_000), maxDelay: millis(30_000) } });

  async function preloaded(): Promise<MemoryLbDataplane> {
    const dp = new MemoryLbDataplane();
    await dp.start();
    // What the previous daemon left: both VIPs serving at full weight.
    const key = hostVipKey(ip("192.0.2.1"), 6, 80);
    const apiKey = hostVipKey(ip("192.0.2.2"), 6, 443);
    const ops: LbOp[] = [
      { kind: "vip-add", key, encap: "gre4", srcIpSticky: false, flowTableLength: 1024, reason: "missing" },
      { kind: "as-add", key, address: ip("10.0.0.1"), weight: 100, flush: false, reason: "missing" },
      {
        kind: "vip-add",
        key: apiKey,
        encap: "gre4",
        srcIpSticky: false,
        flowTableLength: 1024,
        reason: "missing",
      },
      { kind: "as-add", key: apiKey, address: ip("10.0.1.1"), weight: 100, flush: false, reason: "missing" },
    ];
    assert.ok((await dp.apply(ops)).ok);
    dp.log.length = 0;
    return dp;
  }

  it("holds every write before min, releases a VIP once its backends are known, final sync at max", async () => {
    h = await harness({ frontends: [web, api], dp: await preloaded(), settings: warm });
    h.states.set("a", "up");
    h.states.set("b", "up");
    h.states.set("c", "up");
    await h.advance(4_900);
    assert.equal(h.dp.log.length, 0, "no write during the hold window");
    await h.advance(200);
    // web's backends are all known: released (one VIP sync); api's backend is unknown: untouched.
    assert.ok(h.dp.log.length > 0 && h.dp.log.every((op) => vipKeyId(op.key) === WEB));
    assert.deepEqual(weights(h, API), { "10.0.1.1": 100 }, "an unreleased VIP keeps serving");
    const held = await h.svc.sync();
    assert.deepEqual([held.ran, held.suppressed], [false, "warmup"]);
    await h.advance(25_000);
    assert.deepEqual(weights(h, API), { "10.0.1.1": 0 }, "the final full sync covers stragglers");
    assert.equal((await h.svc.status()).warmup, "done");
  });

  it("a cold start never empties a VIP during warmup even if every backend stays unknown", async () => {
    h = await harness({ frontends: [web, api], dp: await preloaded(), settings: warm });
    for (let t = 0; t < 29_000; t += 1_000) await h.advance(1_000);
    assert.equal(h.dp.log.length, 0);
    assert.deepEqual(weights(h, API), { "10.0.1.1": 100 });
  });
});

describe("operator weight overrides", () => {
  it("persist, flush on request, survive a restart, and reset when the config weight changes", async () => {
    const store = persisted();
    h = await harness({ frontends: [web], states: { a: "up", b: "up", c: "up" }, store });
    const r = await h.svc.setWeight("web", "primary", "b", 10, false);
    assert.ok(r.ok);
    assert.equal(r.snapshot.pools[0]?.backends[1]?.weight, 10);
    assert.equal(r.snapshot.pools[0]?.backends[1]?.overridden, true);
    await h.settle();
    assert.equal(weights(h, WEB)["10.0.0.2"], 10);
    // Same weight with flush: the forced flush is still sent (§5.3 flushAddress).
    h.dp.log.length = 0;
    assert.ok((await h.svc.setWeight("web", "primary", "b", 10, true)).ok);
    await h.settle();
    assert.deepEqual(writes(h.dp.log), ["as-set-weight 10.0.0.2 F"]);
    const bad = await h.svc.setWeight("web", "nope", "b", 10, false);
    assert.ok(!bad.ok && bad.code === "LB_E_MEMBER_NOT_FOUND");
    const missing = await h.svc.setWeight("nope", "primary", "b", 10, false);
    assert.ok(!missing.ok && missing.code === "LB_E_FRONTEND_NOT_FOUND");
    await h.stop();

    // Restart: a new service over the same store, and a dataplane still holding the old table.
    const dp = new MemoryLbDataplane();
    await dp.start();
    const copy: LbOp[] = [];
    for (const v of h.dp.state.values()) {
      copy.push({
        kind: "vip-add",
        key: v.key,
        encap: "gre4",
        srcIpSticky: false,
        flowTableLength: 1024,
        reason: "missing",
      });
      for (const a of v.ases.values())
        copy.push({
          kind: "as-add",
          key: v.key,
          address: a.address,
          weight: a.weight,
          flush: false,
          reason: "missing",
        });
    }
    assert.ok((await dp.apply(copy)).ok);
    dp.log.length = 0;
    h = await harness({ frontends: [web], states: { a: "up", b: "up", c: "up" }, store, dp });
    assert.equal((await h.svc.get("web"))?.pools[0]?.backends[1]?.weight, 10);
    assert.equal(weights(h, WEB)["10.0.0.2"], 10);

    // The file now says 60 for b: the file wins, the override is dropped.
    const changed = frontend("web", "192.0.2.1", [
      pool("primary", [
        ["a", "10.0.0.1"],
        ["b", "10.0.0.2", 60],
      ]),
      pool("fallback", [["c", "10.0.0.3"]]),
    ]);
    await h.svc.apply({ frontends: [changed], settings: settings() });
    await h.settle();
    assert.equal(weights(h, WEB)["10.0.0.2"], 60);
    assert.equal(store.overrides.list().length, 0);
  });

  it("a failed persist changes nothing and says so", async () => {
    h = await harness({ frontends: [web], states: { a: "up", b: "up", c: "up" } });
    h.store.overrides.failWrites = "disk full";
    const r = await h.svc.setWeight("web", "primary", "a", 0, false);
    assert.ok(!r.ok && r.code === "LB_E_PERSIST");
    await h.settle();
    assert.equal(weights(h, WEB)["10.0.0.1"], 100);
  });
});
