import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { JsonNumber, MAX_DEPTH } from "../../../protocols/ddm/json.js";
import { field, parseJsonTree, parseJsonTreeStrict } from "../../../protocols/ddm/json-tree.js";

const same = (t: string) => assert.deepEqual(parseJsonTree(t), parseJsonTreeStrict(t), t);

describe("ddm JSON fast path (JSON.parse with the strict reader as fallback)", () => {
  it("reads plain integers of up to 15 digits as numbers", () => {
    assert.deepEqual(parseJsonTree('{"len": 64, "vni": 999999999999999}'), {
      ok: true,
      value: { len: 64, vni: 999_999_999_999_999 },
    });
  });

  it("keeps the text of every other number literal, beyond 2^53 included", () => {
    const r = parseJsonTree(
      '{"metric": 18446744073709551615, "a": [1.0, 1e3, -0, -5, 9007199254740993], "b": 1E+2}',
    );
    assert.ok(r.ok);
    assert.deepEqual(r.value, {
      metric: new JsonNumber("18446744073709551615"),
      a: [
        new JsonNumber("1.0"),
        new JsonNumber("1e3"),
        new JsonNumber("-0"),
        new JsonNumber("-5"),
        new JsonNumber("9007199254740993"),
      ],
      b: new JsonNumber("1E+2"),
    });
    assert.deepEqual(parseJsonTree("1.5"), { ok: true, value: new JsonNumber("1.5") });
  });

  it("does not take digits, colons or escaped quotes inside strings for numbers or keys", () => {
    const t = String.raw`{"d": "fd00:1::/64", "e": "x\": 1.5, \"y\": 2", "f": ["a:", 3]}`;
    same(t);
    const r = parseJsonTree(t);
    assert.ok(r.ok);
    assert.deepEqual(r.value, { d: "fd00:1::/64", e: 'x": 1.5, "y": 2', f: ["a:", 3] });
  });

  it("reports duplicate keys exactly as the strict reader, at any depth", () => {
    assert.deepEqual(parseJsonTree('{"a":1, "a":2}'), {
      ok: false,
      error: { code: "JSON_DUPLICATE_KEY", offset: 8 },
    });
    same('{"u": [{"destination": "fd00::/64", "path": [], "path": ["x"]}]}');
    same('{"a": {"b": 1}, "c": {"b": 2}}'); // the same key in two objects is fine
  });

  it("bounds nesting and rejects malformed text as the strict reader does", () => {
    same("[".repeat(MAX_DEPTH) + "]".repeat(MAX_DEPTH));
    same("[".repeat(MAX_DEPTH + 2) + "]".repeat(MAX_DEPTH + 2));
    for (const t of ["", "{", "[1,]", "01", "1.", "-", '{"a" 1}', '"\u0001"', "[1] x", '"abc'])
      assert.equal(parseJsonTree(t).ok, false, t);
    for (const t of ["01", "[1,]", '{"a":1,}', '"\\x"']) same(t);
  });

  it("a literal \\u0001 in a string next to a rewritten number is not mistaken for one", () => {
    const t = String.raw`{"s": "\u00011.5", "n": 1.5}`;
    same(t);
    const r = parseJsonTree(t);
    assert.ok(r.ok);
    assert.deepEqual(r.value, { s: "\u00011.5", n: new JsonNumber("1.5") });
  });

  it("__proto__ is an ordinary own key, and inherited names are not fields", () => {
    const r = parseJsonTree('{"__proto__": {"x": 1}, "y": 2}');
    assert.ok(r.ok && typeof r.value === "object" && r.value !== null && !Array.isArray(r.value));
    const o = r.value as Parameters<typeof field>[0];
    assert.deepEqual(field(o, "__proto__"), { x: 1 });
    assert.equal(field(o, "toString"), undefined);
    same('{"__proto__": 1, "__proto__": 2}');
  });

  it("agrees with the strict reader on generated JSON", () => {
    fc.assert(fc.property(fc.json({ depthSize: "small" }), same), { numRuns: 300 });
  });

  it("agrees with the strict reader on JSON with repeated keys and odd numbers spliced in", () => {
    const piece = fc.constantFrom('"a":1', '"a":-1.5e3', '"b":"1.5"', '"a":[1,2.0]', '"\\"":0');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 5 }), (parts) => same(`{${parts.join(",")}}`)),
      { numRuns: 300 },
    );
  });

  it("agrees with the strict reader on arbitrary text, never throwing", () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), same), { numRuns: 500 });
  });
});
