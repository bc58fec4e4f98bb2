import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { millis } from "../../../protocols/common/time.js";
import { parseThresholds } from "../../../protocols/health/counter.js";
import {
  firstProbeDelay,
  intervalKind,
  nextProbeDelay,
  withJitter,
} from "../../../protocols/health/schedule.js";
import { parseProbeTiming } from "../../../protocols/health/timing.js";
import type { HealthStatus } from "../../../protocols/health/types.js";

const t = (() => {
  const r = parseThresholds(2, 3);
  assert.ok(r.ok);
  return r.value;
})();
const timing = (() => {
  const r = parseProbeTiming({ interval: 1000, fastInterval: 200, downInterval: 5000, timeout: 100 });
  assert.ok(r.ok);
  return r.value;
})();

// §3.3 thresholds as we fixed them (schedule.ts header), rise 2 / fall 3 ⇒ Max 4.
const KINDS: readonly [HealthStatus, number, string | undefined][] = [
  ["unknown", 1, "fast-interval"],
  ["up", 4, "interval"],
  ["up", 3, "fast-interval"],
  ["up", 2, "fast-interval"],
  ["down", 1, "fast-interval"],
  ["down", 0, "down-interval"],
  ["paused", 4, undefined],
  ["paused", 0, undefined],
  ["disabled", 2, undefined],
  ["removed", 1, undefined],
];

describe("adaptive schedule (maglev-vpp.md §3.3)", () => {
  for (const [status, counter, kind] of KINDS) {
    it(`${status} with counter ${counter} → ${kind ?? "no probe"}`, () => {
      assert.equal(intervalKind(status, counter, t), kind);
      const delay = nextProbeDelay(status, counter, t, timing, () => 0.5);
      const expected = { interval: 1000, "fast-interval": 200, "down-interval": 5000 } as Record<
        string,
        number
      >;
      assert.equal(delay, kind === undefined ? undefined : expected[kind]);
    });
  }

  it("jitter stays within ±10 % (§2.4): the extremes of the random source", () => {
    assert.equal(
      withJitter(millis(1000), () => 0),
      900,
    );
    assert.equal(
      withJitter(millis(1000), () => 0.5),
      1000,
    );
    assert.equal(
      withJitter(millis(1000), () => 0.999_999),
      1100,
    );
  });

  it("jitter tolerates a broken random source and never returns less than 1 ms", () => {
    assert.equal(
      withJitter(millis(1000), () => Number.NaN),
      1000,
    );
    assert.equal(
      withJitter(millis(1000), () => 7),
      1100,
    );
    assert.equal(
      withJitter(millis(1000), () => -7),
      900,
    );
    assert.equal(
      withJitter(millis(1), () => 0),
      1,
    );
  });

  it("first probe is spread over [0, fast-interval)", () => {
    assert.equal(
      firstProbeDelay(timing, () => 0),
      0,
    );
    assert.equal(
      firstProbeDelay(timing, () => 0.5),
      100,
    );
    assert.equal(
      firstProbeDelay(timing, () => 0.999_999),
      199,
    );
  });
});

describe("probe timing defaults and validation", () => {
  it("defaults: interval 2000, fast min(500, interval), down = interval, timeout min(1000, interval)", () => {
    assert.deepEqual(parseProbeTiming({}), {
      ok: true,
      value: { interval: 2000, fastInterval: 500, downInterval: 2000, timeout: 1000 },
    });
    assert.deepEqual(parseProbeTiming({ interval: 200 }), {
      ok: true,
      value: { interval: 200, fastInterval: 200, downInterval: 200, timeout: 200 },
    });
  });

  it("rejects out-of-range values naming the kebab-case key", () => {
    const cases: [Parameters<typeof parseProbeTiming>[0], string][] = [
      [{ interval: 0 }, "interval"],
      [{ interval: Number.NaN }, "interval"],
      [{ interval: 86_400_001 }, "interval"],
      [{ fastInterval: -1 }, "fast-interval"],
      [{ interval: 1000, fastInterval: 2000 }, "fast-interval"],
      [{ downInterval: 0 }, "down-interval"],
      [{ timeout: Number.POSITIVE_INFINITY }, "timeout"],
    ];
    for (const [input, field] of cases) {
      const r = parseProbeTiming(input);
      assert.ok(!r.ok, JSON.stringify(input));
      assert.equal(r.error.code, "HC_E_INVALID_CONFIG");
      assert.equal(r.error.field, field);
    }
  });
});
