import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clampDelay, FakeClock, SystemClock } from "../../../actors/runtime/clock.js";

describe("FakeClock", () => {
  it("fires due timers in due-time order with now() at each due time", () => {
    const c = new FakeClock(1000);
    const seen: Array<[string, number]> = [];
    c.setTimeout(() => seen.push(["b", c.now()]), 20);
    c.setTimeout(() => seen.push(["a", c.now()]), 10);
    c.setTimeout(() => seen.push(["c", c.now()]), 30);
    c.advance(25);
    assert.deepEqual(seen, [
      ["a", 1010],
      ["b", 1020],
    ]);
    assert.equal(c.now(), 1025);
    assert.equal(c.pending(), 1);
  });

  it("fires timers with the same due time in scheduling order", () => {
    const c = new FakeClock();
    const seen: string[] = [];
    for (const n of ["x", "y", "z"]) c.setTimeout(() => seen.push(n), 5);
    c.advance(5);
    assert.deepEqual(seen, ["x", "y", "z"]);
  });

  it("runs timers scheduled while firing if they fall due within the same advance", () => {
    const c = new FakeClock();
    const seen: number[] = [];
    c.setTimeout(() => {
      seen.push(c.now());
      c.setTimeout(() => seen.push(c.now()), 5);
    }, 5);
    c.advance(10);
    assert.deepEqual(seen, [5, 10]);
  });

  it("does not fire a cleared timer", () => {
    const c = new FakeClock();
    let fired = false;
    const h = c.setTimeout(() => {
      fired = true;
    }, 1);
    c.clearTimeout(h);
    c.advance(100);
    assert.equal(fired, false);
  });

  it("runNext jumps to the earliest timer", () => {
    const c = new FakeClock();
    c.setTimeout(() => {}, 42);
    assert.equal(c.nextDue(), 42);
    assert.equal(c.runNext(), true);
    assert.equal(c.now(), 42);
    assert.equal(c.runNext(), false);
  });
});

describe("SystemClock", () => {
  it("is monotonic and schedules a macrotask", async () => {
    const c = new SystemClock();
    const t0 = c.now();
    await new Promise<void>((resolve) => c.setTimeout(resolve, 1));
    assert.ok(c.now() >= t0);
  });

  it("clamps delays into Node's accepted range", () => {
    assert.equal(clampDelay(-5), 0);
    assert.equal(clampDelay(Number.NaN), 0);
    assert.equal(clampDelay(3e9), 2_147_483_647);
  });
});
