import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertNever } from "../../../protocols/common/assert-never.js";
import { err, ok } from "../../../protocols/common/result.js";
import { microsToMillis, millis, millisToMicros } from "../../../protocols/common/time.js";

describe("common", () => {
  it("ok and err build discriminated results", () => {
    assert.deepEqual(ok(1), { ok: true, value: 1 });
    assert.deepEqual(err("E"), { ok: false, error: "E" });
  });
  it("assertNever throws naming the value", () => {
    assert.throws(() => assertNever("x" as never, "kind"), /unexpected kind: "x"/);
  });
  it("converts between micros and millis", () => {
    assert.equal(millisToMicros(millis(300)), 300_000);
    assert.equal(microsToMillis(millisToMicros(millis(1.5))), 1.5);
  });
});
