import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { millis } from "../../../protocols/common/time.js";
import {
  allBackendsKnown,
  DEFAULT_WARMUP,
  WARMUP_POLL,
  type WarmupEvent,
  warmupPhase,
  type WarmupState,
  warmupStart,
  warmupStep,
} from "../../../protocols/lb/index.js";

const t0 = millis(1_000);
const at = (s: number) => millis(1_000 + s * 1000);
const tick = (...fs: [string, boolean][]): WarmupEvent => ({
  kind: "tick",
  frontends: fs.map(([frontend, allKnown]) => ({ frontend, allKnown })),
});

describe("lb warmup tracker (§4.5)", () => {
  it("has the upstream 5 s / 30 s defaults and a 250 ms poll", () => {
    assert.equal(DEFAULT_WARMUP.minDelay, 5_000);
    assert.equal(DEFAULT_WARMUP.maxDelay, 30_000);
    assert.equal(WARMUP_POLL, 250);
  });
  it("writes nothing before the minimum delay, even for a ready frontend", () => {
    const s = warmupStart(DEFAULT_WARMUP, t0);
    assert.equal(warmupPhase(s, at(4.999)), "hold");
    assert.deepEqual(warmupStep(s, { kind: "sync-vip", frontend: "a", allKnown: true }, at(1)).actions, [
      { kind: "suppressed", frontend: "a", reason: "hold" },
    ]);
    assert.deepEqual(warmupStep(s, { kind: "sync-all" }, at(1)).actions, [
      { kind: "suppressed", reason: "hold" },
    ]);
    assert.deepEqual(warmupStep(s, tick(["a", true]), at(0)).actions, [{ kind: "arm", at: at(5) }]);
  });
  it("releases each frontend once, when all its backends are known", () => {
    let s: WarmupState = warmupStart(DEFAULT_WARMUP, t0);
    let r = warmupStep(s, tick(["a", true], ["b", false]), at(5));
    assert.deepEqual(r.actions, [
      { kind: "sync-vip", frontend: "a", reason: "warmup-release" },
      { kind: "arm", at: millis(at(5) + 250) },
    ]);
    s = r.state;
    r = warmupStep(s, tick(["a", true], ["b", false]), at(5.25));
    assert.deepEqual(
      r.actions.filter((x) => x.kind !== "arm"),
      [],
    );
    r = warmupStep(r.state, { kind: "sync-vip", frontend: "b", allKnown: false }, at(6));
    assert.deepEqual(r.actions, [{ kind: "suppressed", frontend: "b", reason: "not-ready" }]);
    r = warmupStep(r.state, { kind: "sync-vip", frontend: "b", allKnown: true }, at(7));
    assert.deepEqual(r.actions, [{ kind: "sync-vip", frontend: "b", reason: "warmup-release" }]);
    r = warmupStep(r.state, { kind: "sync-vip", frontend: "a", allKnown: false }, at(8));
    assert.deepEqual(r.actions, [{ kind: "sync-vip", frontend: "a", reason: "live" }]);
  });
  it("holds full syncs during the window and ends with exactly one full sync at max", () => {
    let r = warmupStep(warmupStart(DEFAULT_WARMUP, t0), { kind: "sync-all" }, at(10));
    assert.deepEqual(r.actions, [{ kind: "suppressed", reason: "warmup" }]);
    r = warmupStep(r.state, tick(["a", false]), at(29.9));
    assert.deepEqual(r.actions, [{ kind: "arm", at: at(30) }]);
    r = warmupStep(r.state, tick(["a", false]), at(30));
    assert.deepEqual(r.actions, [{ kind: "sync-all", reason: "warmup-end" }]);
    assert.equal(r.state.finished, true);
    assert.deepEqual(warmupStep(r.state, tick(["a", false]), at(31)).actions, []);
    assert.deepEqual(warmupStep(r.state, { kind: "sync-all" }, at(31)).actions, [
      { kind: "sync-all", reason: "live" },
    ]);
  });
  it("zero delays disable warmup: the first event is the final full sync", () => {
    const s = warmupStart({ minDelay: millis(0), maxDelay: millis(0) }, t0);
    assert.equal(warmupPhase(s, t0), "done");
    const r = warmupStep(s, { kind: "sync-vip", frontend: "a", allKnown: false }, t0);
    assert.deepEqual(r.actions, [{ kind: "sync-all", reason: "warmup-end" }]);
    assert.deepEqual(warmupStep(r.state, { kind: "sync-vip", frontend: "a", allKnown: false }, t0).actions, [
      { kind: "sync-vip", frontend: "a", reason: "live" },
    ]);
  });
  it("clamps a minimum above the maximum", () => {
    const s = warmupStart({ minDelay: millis(9_000), maxDelay: millis(3_000) }, t0);
    assert.equal(s.config.minDelay, 3_000);
  });
  it("allBackendsKnown is false while any backend is unknown, true for none", () => {
    assert.equal(allBackendsKnown(["up", "down", "paused"]), true);
    assert.equal(allBackendsKnown(["up", "unknown"]), false);
    assert.equal(allBackendsKnown([]), true);
  });
});
