import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  afterFail,
  afterPass,
  counterBand,
  counterMax,
  isHealthy,
  parseThresholds,
  type Thresholds,
  unknownCounter,
} from "../../../protocols/health/counter.js";

function th(rise: number, fall: number): Thresholds {
  const r = parseThresholds(rise, fall);
  assert.ok(r.ok);
  return r.value;
}

// Truth tables per (rise, fall): for every counter value c = 0..Max, the
// counter after a pass, after a fail, the derived health and the band.
// Written out by hand from the HAProxy rule (counter.ts header), not computed.
const TABLES: readonly {
  rise: number;
  fall: number;
  pass: number[];
  fail: number[];
  up: boolean[];
  band: string[];
}[] = [
  {
    // The spec's example (maglev-vpp.md §3.2): Max 4, states DOWN DOWN UP UP UP.
    rise: 2,
    fall: 3,
    pass: [1, 4, 4, 4, 4],
    fail: [0, 0, 0, 2, 3],
    up: [false, false, true, true, true],
    band: ["fully-down", "recovering", "failing", "failing", "fully-up"],
  },
  {
    rise: 3,
    fall: 2,
    pass: [1, 2, 4, 4, 4],
    fail: [0, 0, 0, 0, 3],
    up: [false, false, false, true, true],
    band: ["fully-down", "recovering", "recovering", "failing", "fully-up"],
  },
  { rise: 1, fall: 1, pass: [1, 1], fail: [0, 0], up: [false, true], band: ["fully-down", "fully-up"] },
  {
    rise: 1,
    fall: 3,
    pass: [3, 3, 3, 3],
    fail: [0, 0, 1, 2],
    up: [false, true, true, true],
    band: ["fully-down", "failing", "failing", "fully-up"],
  },
  {
    rise: 3,
    fall: 1,
    pass: [1, 2, 3, 3],
    fail: [0, 0, 0, 0],
    up: [false, false, false, true],
    band: ["fully-down", "recovering", "recovering", "fully-up"],
  },
];

describe("health counter (maglev-vpp.md §3.2)", () => {
  for (const row of TABLES) {
    it(`rise=${row.rise} fall=${row.fall}: pass/fail/health/band for every counter value`, () => {
      const t = th(row.rise, row.fall);
      assert.equal(counterMax(t), row.rise + row.fall - 1);
      assert.equal(row.pass.length, counterMax(t) + 1);
      for (let c = 0; c <= counterMax(t); c++) {
        assert.equal(afterPass(c, t), row.pass[c], `pass from ${c}`);
        assert.equal(afterFail(c, t), row.fail[c], `fail from ${c}`);
        assert.equal(isHealthy(c, t), row.up[c], `health at ${c}`);
        assert.equal(counterBand(c, t), row.band[c], `band at ${c}`);
      }
    });
  }

  it("unknown pre-loads rise-1: one pass is healthy, one fail is fully down", () => {
    for (const [rise, fall] of [
      [1, 1],
      [2, 3],
      [5, 2],
    ] as const) {
      const t = th(rise, fall);
      const c = unknownCounter(t);
      assert.equal(c, rise - 1);
      assert.equal(isHealthy(c, t), false);
      assert.equal(isHealthy(afterPass(c, t), t), true);
      assert.equal(afterFail(c, t), 0);
    }
  });

  it("parseThresholds accepts integers 1..1000 and rejects the rest with HC_E_INVALID_CONFIG", () => {
    assert.ok(parseThresholds(1, 1).ok);
    assert.ok(parseThresholds(1000, 1000).ok);
    for (const [rise, fall, field] of [
      [0, 1, "rise"],
      [1.5, 1, "rise"],
      [Number.NaN, 1, "rise"],
      [1001, 1, "rise"],
      [1, 0, "fall"],
      [1, -3, "fall"],
      [1, Number.POSITIVE_INFINITY, "fall"],
    ] as const) {
      const r = parseThresholds(rise, fall);
      assert.ok(!r.ok);
      assert.equal(r.error.code, "HC_E_INVALID_CONFIG");
      assert.equal(r.error.field, field);
    }
  });
});
