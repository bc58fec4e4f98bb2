import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { JsonNumber, MAX_DEPTH, parseJson } from "../../../protocols/ddm/json.js";

const code = (t: string) => {
  const r = parseJson(t);
  return r.ok ? "ok" : r.error.code;
};

describe("ddm strict JSON reader (RFC 8259)", () => {
  it("keeps the literal text of numbers beyond double precision", () => {
    const r = parseJson('{"metric": 18446744073709551615}');
    assert.ok(r.ok && r.value instanceof Map);
    assert.deepEqual(r.value.get("metric"), new JsonNumber("18446744073709551615"));
  });

  it("reads strings with every escape, including surrogate pairs", () => {
    assert.deepEqual(parseJson(String.raw`"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"`), {
      ok: true,
      value: 'a"\\/\b\f\n\r\t\u00e9\ud83d\ude00',
    });
  });

  it("rejects malformed text with an offset", () => {
    for (const t of [
      "",
      "{",
      "[1,]",
      '{"a":1,}',
      "01",
      "1.",
      "-",
      "+1",
      "tru",
      "nul",
      '"\u0001"',
      '"\\x"',
      "[1] x",
      "{a:1}",
      "'a'",
    ]) {
      assert.equal(code(t), "JSON_SYNTAX", t);
    }
    assert.deepEqual(parseJson('{"a":1, "a":2}'), {
      ok: false,
      error: { code: "JSON_DUPLICATE_KEY", offset: 8 },
    });
  });

  it("bounds nesting depth", () => {
    assert.equal(code("[".repeat(MAX_DEPTH) + "]".repeat(MAX_DEPTH)), "ok");
    assert.equal(code("[".repeat(MAX_DEPTH + 2) + "]".repeat(MAX_DEPTH + 2)), "JSON_TOO_DEEP");
    assert.equal(code("[".repeat(100_000)), "JSON_TOO_DEEP");
  });

  it("accepts exactly what JSON.parse accepts on generated JSON", () => {
    fc.assert(
      fc.property(fc.json({ depthSize: "small" }), (t) => {
        assert.equal(code(t), "ok");
      }),
    );
  });

  it("never throws on arbitrary text and agrees with JSON.parse on rejection", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (t) => {
        const mine = parseJson(t);
        let native = true;
        try {
          JSON.parse(t);
        } catch (_e: unknown) {
          native = false;
        }
        if (!native) assert.equal(mine.ok, false, t);
      }),
    );
  });
});
