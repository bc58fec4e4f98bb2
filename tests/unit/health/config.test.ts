import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseHealthConfig } from "../../../protocols/health/config.js";
import { formatStatusSet, parseStatusSet, statusMatches } from "../../../protocols/health/status-set.js";

describe("health config", () => {
  it("defaults rise 2, fall 3, transition-history 5", () => {
    const r = parseHealthConfig({});
    assert.ok(r.ok);
    assert.equal(r.value.thresholds.rise, 2);
    assert.equal(r.value.thresholds.fall, 3);
    assert.equal(r.value.historyLimit, 5);
    assert.equal(r.value.timing?.interval, 2000);
  });

  it("a backend without a health check has no timing (static)", () => {
    const r = parseHealthConfig(undefined, 10);
    assert.ok(r.ok);
    assert.equal(r.value.timing, undefined);
    assert.equal(r.value.historyLimit, 10);
  });

  it("rejects bad transition-history, rise and timing with the field name", () => {
    for (const [check, limit, field] of [
      [{}, 0, "transition-history"],
      [{}, 2.5, "transition-history"],
      [{ rise: 0 }, 5, "rise"],
      [{ fall: 0.5 }, 5, "fall"],
      [{ timeout: 0 }, 5, "timeout"],
    ] as const) {
      const r = parseHealthConfig(check, limit);
      assert.ok(!r.ok);
      assert.equal(r.error.field, field);
    }
  });
});

describe("expected status sets", () => {
  it("parses codes and inclusive ranges", () => {
    const r = parseStatusSet(" 200-299 , 301,404");
    assert.ok(r.ok);
    for (const [code, want] of [
      [199, false],
      [200, true],
      [250, true],
      [299, true],
      [300, false],
      [301, true],
      [302, false],
      [404, true],
      [500, false],
    ] as const) {
      assert.equal(statusMatches(r.value, code), want, String(code));
    }
    assert.equal(formatStatusSet(r.value), "200-299,301,404");
  });

  it("rejects empty items, non-codes, out-of-range and reversed ranges", () => {
    for (const text of [
      "",
      "200,",
      "2xx",
      "99",
      "600",
      "200-",
      "-200",
      "299-200",
      "200-299-300",
      "20 0",
      "+200",
    ]) {
      const r = parseStatusSet(text);
      assert.ok(!r.ok, text);
      assert.equal(r.error.code, "HC_E_INVALID_STATUS_SET");
    }
  });
});
