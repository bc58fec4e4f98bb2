import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { formatDuration, parseDuration } from "../../../api/config/duration.js";
import { millis } from "../../../protocols/common/time.js";

function ms(text: unknown): number {
  const r = parseDuration(text);
  assert.ok(r.ok, `expected ${String(text)} to parse`);
  return r.value;
}

function code(text: unknown): string {
  const r = parseDuration(text);
  assert.ok(!r.ok, `expected ${String(text)} to be rejected`);
  return r.error.code;
}

describe("parseDuration", () => {
  it("parses each unit", () => {
    assert.equal(ms("200ms"), 200);
    assert.equal(ms("2s"), 2000);
    assert.equal(ms("1m"), 60_000);
    assert.equal(ms("1h"), 3_600_000);
    assert.equal(ms("0s"), 0);
  });

  it("adds concatenated terms, Go style", () => {
    assert.equal(ms("1m30s"), 90_000);
    assert.equal(ms("1h2m3s4ms"), 3_723_004);
  });

  it("accepts decimals that land on whole milliseconds", () => {
    assert.equal(ms("1.5s"), 1500);
    assert.equal(ms("0.1s"), 100);
    assert.equal(ms("0.25m"), 15_000);
  });

  it("rejects a fraction of a millisecond instead of rounding", () => {
    assert.equal(code("1.5ms"), "DURATION_FRACTION");
    assert.equal(code("0.0001s"), "DURATION_FRACTION");
  });

  it("rejects a bare number: the unit is never guessed", () => {
    assert.equal(code("200"), "DURATION_SYNTAX");
  });

  it("rejects unknown and sub-millisecond units", () => {
    assert.equal(code("2x"), "DURATION_UNIT");
    assert.equal(code("5us"), "DURATION_UNIT");
    assert.equal(code("1d"), "DURATION_UNIT");
  });

  it("rejects malformed text, signs and non-strings", () => {
    for (const bad of ["s", "-1s", "1 s", "1s 2s", "1..5s", ".5s", "1s-", "+1s"]) {
      assert.equal(code(bad), "DURATION_SYNTAX", bad);
    }
    assert.equal(code(""), "DURATION_EMPTY");
    assert.equal(code(5), "DURATION_EMPTY");
    assert.equal(code(null), "DURATION_EMPTY");
  });

  it("rejects values beyond safe integers", () => {
    assert.equal(code("99999999999999999999h"), "DURATION_RANGE");
  });

  it("never throws on arbitrary strings", () => {
    fc.assert(fc.property(fc.string(), (s) => typeof parseDuration(s).ok === "boolean"));
  });
});

describe("formatDuration", () => {
  it("writes the canonical spelling", () => {
    assert.equal(formatDuration(millis(0)), "0s");
    assert.equal(formatDuration(millis(250)), "250ms");
    assert.equal(formatDuration(millis(90_000)), "1m30s");
    assert.equal(formatDuration(millis(3_600_001)), "1h1ms");
  });

  it("round-trips through parseDuration", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), (n) => {
        assert.equal(ms(formatDuration(millis(n))), n);
      }),
    );
  });
});
