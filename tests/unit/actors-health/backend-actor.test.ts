import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BackendStateEvent } from "../../../actors/health/types.js";
import { backend, harness, MemoryAdmin, tcpCheck } from "./harness.js";

describe("health backend actor (fake clock, scripted probes)", () => {
  it("a fresh backend is announced as unknown, then the first pass brings it up (§3.2 expedited)", async () => {
    const h = await harness([backend("web1", "192.0.2.1")]);
    const seen: BackendStateEvent[] = [];
    h.service.subscribe((e) => seen.push(e));
    await h.settle();
    assert.deepEqual(
      seen.map((e) => [e.name, e.state]),
      [["web1", "unknown"]],
    );
    // First probe within [0, fast-interval); random 0.5 → 100 ms.
    await h.advance(150);
    assert.equal(h.script.count("192.0.2.1"), 1);
    const snap = await h.service.get("web1");
    assert.equal(snap?.state, "up");
    assert.equal(snap?.counter, 4); // rise 2 + fall 3 − 1: a pass from unknown jumps to Max
    assert.equal(seen.at(-1)?.state, "up");
    assert.equal(seen.at(-1)?.transition?.code, "ok");
    await h.close();
  });

  it("a healthy backend goes down after exactly `fall` failed probes, probed at fast-interval meanwhile", async () => {
    const h = await harness([backend("web1", "192.0.2.1")]);
    await h.advance(150);
    assert.equal((await h.service.get("web1"))?.state, "up");
    h.script.answers.set("192.0.2.1", "fail");
    const before = h.script.runs.length;
    // interval 1000 (fully up) → fail (counter 3) → fast 200 → fail (2) → fast 200 → fail → down.
    await h.advance(1000);
    assert.equal((await h.service.get("web1"))?.state, "up");
    await h.advance(200);
    assert.equal((await h.service.get("web1"))?.state, "up");
    await h.advance(200);
    const snap = await h.service.get("web1");
    assert.equal(snap?.state, "down");
    assert.equal(h.script.runs.length - before, 3);
    assert.equal(snap?.lastResult?.code, "refused");
    assert.deepEqual(
      snap?.history.map((r) => [r.from, r.to, r.code]),
      [
        ["unknown", "up", "ok"],
        ["up", "down", "refused"],
      ],
    );
    await h.close();
  });

  it("a static backend (no check) is up at once and never probed (§3.6)", async () => {
    const h = await harness([backend("static", "192.0.2.9", { check: undefined, healthcheck: undefined })]);
    await h.advance(5000, 500);
    const snap = await h.service.get("static");
    assert.equal(snap?.state, "up");
    assert.equal(snap?.history[0]?.code, "no-healthcheck");
    assert.equal(h.script.runs.length, 0);
    await h.close();
  });

  it("pause stops probing (no traffic) and is persisted; resume restarts from unknown and clears the record", async () => {
    const h = await harness([backend("web1", "192.0.2.1")]);
    await h.advance(150);
    const r = await h.service.operate("web1", "pause");
    assert.equal(r.ok, true);
    assert.equal(r.ok && r.snapshot.state, "paused");
    assert.deepEqual(h.admin.records.get("web1"), { action: "pause" });
    const runs = h.script.runs.length;
    await h.advance(10_000, 500);
    assert.equal(h.script.runs.length, runs, "a paused backend is not probed");
    const back = await h.service.operate("web1", "resume");
    assert.equal(back.ok && back.snapshot.state, "unknown");
    assert.equal(h.admin.records.has("web1"), false);
    await h.advance(300);
    assert.equal((await h.service.get("web1"))?.state, "up");
    await h.close();
  });

  it("disable persists, pause of a disabled backend is refused, enable clears the record", async () => {
    const h = await harness([backend("web1", "192.0.2.1")]);
    const d = await h.service.operate("web1", "disable");
    assert.equal(d.ok && d.snapshot.state, "disabled");
    assert.equal(d.ok && d.snapshot.enabled, false);
    assert.deepEqual(h.admin.records.get("web1"), { action: "disable" });
    const p = await h.service.operate("web1", "pause");
    assert.equal(p.ok, false);
    assert.equal(!p.ok && p.code, "HC_E_BACKEND_DISABLED");
    const e = await h.service.operate("web1", "enable");
    assert.equal(e.ok && e.snapshot.state, "unknown");
    assert.equal(h.admin.records.size, 0);
    const missing = await h.service.operate("nope", "pause");
    assert.equal(!missing.ok && missing.code, "HC_E_BACKEND_NOT_FOUND");
    assert.equal(await h.service.get("nope"), undefined);
    await h.close();
  });

  it("enable of a backend disabled in the config is persisted as an override", async () => {
    const h = await harness([backend("web1", "192.0.2.1", { enabled: false })]);
    assert.equal((await h.service.get("web1"))?.state, "disabled");
    assert.equal(h.admin.records.size, 0);
    await h.service.operate("web1", "enable");
    assert.deepEqual(h.admin.records.get("web1"), { action: "enable" });
    await h.close();
  });

  it("a failed store write refuses the action and leaves the state alone", async () => {
    const h = await harness([backend("web1", "192.0.2.1")]);
    await h.advance(150);
    h.admin.failWrites = true;
    const r = await h.service.operate("web1", "pause");
    assert.equal(!r.ok && r.code, "HC_E_PERSIST");
    assert.equal((await h.service.get("web1"))?.state, "up");
    await h.close();
  });

  it("a persisted pause is replayed by a fresh actor: no probe ever runs after a restart", async () => {
    const admin = new MemoryAdmin();
    const first = await harness([backend("web1", "192.0.2.1")], { admin });
    await first.service.operate("web1", "pause");
    await first.close();
    const second = await harness([backend("web1", "192.0.2.1")], { admin });
    await second.advance(5000, 250);
    assert.equal((await second.service.get("web1"))?.state, "paused");
    assert.equal(second.script.runs.length, 0);
    await second.close();
  });

  it("list fans out to every backend and returns them sorted by name", async () => {
    const h = await harness([
      backend("b", "192.0.2.2"),
      backend("a", "192.0.2.1"),
      backend("c d/e", "192.0.2.3"),
    ]);
    await h.advance(150);
    const rows = await h.service.list();
    assert.deepEqual(
      rows.map((r) => [r.name, r.state]),
      [
        ["a", "up"],
        ["b", "up"],
        ["c d/e", "up"],
      ],
    );
    await h.close();
  });

  it("the watchdog reports a checker whose probe stalled, in a gauge, a counter and one warn line", async () => {
    const h = await harness([backend("stuck", "192.0.2.7"), backend("fine", "192.0.2.8")]);
    h.script.answers.set("192.0.2.7", "hang");
    await h.advance(150);
    assert.equal(await h.service.metrics.overdue.value({}), 0);
    // timeout 100 + grace 1000, plus one watchdog period of 1000.
    await h.advance(2500, 250);
    assert.equal(await h.service.metrics.overdue.value({}), 1);
    assert.equal(await h.service.metrics.overdueEpisodes.value({ backend: "stuck" }), 1);
    const warns = h.lines.filter(
      (l) => l["msg"] === "health probe overdue: the backend's checker has stalled",
    );
    assert.equal(warns.length, 1);
    assert.equal(warns[0]?.["backend"], "stuck");
    // Pausing it is deliberate: no longer overdue.
    await h.service.operate("stuck", "pause");
    await h.advance(1500, 250);
    assert.equal(await h.service.metrics.overdue.value({}), 0);
    await h.close();
  });

  it("exports probes, transitions, the raw counter and a one-hot state gauge", async () => {
    const h = await harness([backend("web1", "192.0.2.1")]);
    await h.advance(150);
    const m = h.service.metrics;
    assert.equal(await m.probes.value({ backend: "web1", type: "tcp", result: "pass", code: "ok" }), 1);
    assert.equal(await m.transitions.value({ backend: "web1", from: "unknown", to: "up" }), 1);
    assert.equal(await m.counter.value({ backend: "web1" }), 4);
    assert.equal(await m.probeDuration.count({ type: "tcp", result: "pass" }), 1);
    const text = await h.system.registry.metrics();
    assert.match(text, /magnetite_health_backend_state\{backend="web1",state="up"\} 1/);
    assert.match(text, /magnetite_health_backend_state\{backend="web1",state="down"\} 0/);
    await h.close();
  });

  it("probes use the check's timing: interval once fully up, down-interval once fully down", async () => {
    const h = await harness([
      backend("web1", "192.0.2.1", { check: tcpCheck({ interval: 1000, downInterval: 3000 }) }),
    ]);
    await h.advance(150);
    const t0 = h.script.runs.length;
    await h.advance(3000, 100);
    assert.equal(h.script.runs.length - t0, 3, "every 1000 ms while up");
    h.script.answers.set("192.0.2.1", "fail");
    await h.advance(1000 + 200 + 200, 100); // three fails: down
    assert.equal((await h.service.get("web1"))?.state, "down");
    const t1 = h.script.runs.length;
    await h.advance(6000, 100);
    assert.equal(h.script.runs.length - t1, 2, "every 3000 ms while fully down");
    await h.close();
  });

  for (const [slack, expected] of [
    [10, 1510],
    [0, 1503],
  ] as const) {
    it(`a probe timer waits at most the probe slack (${slack} ms) past its due instant, never less`, async () => {
      const check = tcpCheck({ interval: 1000, fastInterval: 1000 });
      const h = await harness([backend("web1", "192.0.2.1", { check })], {
        service: { probeSlackMs: slack },
      });
      await h.advance(1003, 1);
      assert.equal((await h.service.operate("web1", "pause")).ok, true);
      assert.equal((await h.service.operate("web1", "resume")).ok, true);
      const runs = h.script.runs.length;
      // Resumed at +1003: the first probe is due half a fast interval later (random 0.5), at +1503;
      // 1 % of the 1 s fast interval is 10 ms, so with the slack it starts on the 10 ms grid.
      await h.advance(600, 1);
      assert.deepEqual(
        h.script.runs.slice(runs).map((r) => r.at - 1_000_000),
        [expected],
      );
      await h.close();
    });
  }
});
