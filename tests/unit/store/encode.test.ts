/**
 * `encodeCollection` writes records without `JSON.stringify` where it can (a
 * flat value: strings, numbers, booleans, nulls). Whatever the input, its
 * text must be the text of `JSON.stringify(doc, null, 2)` and of the encoder
 * before it (`previous` below, which sorted and stringified every record).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  type CollectionSpec,
  type CollectionState,
  encodeCollection,
  type StoredRecord,
} from "../../../dataplane/store/format.js";
import { ok } from "../../../protocols/common/result.js";
import { byKey, define, wholeDocument } from "./whole-document.js";

const spec: CollectionSpec<unknown> = {
  name: "things",
  schemaVersion: 1,
  migrations: [(doc) => ok(doc)],
  decode: (v) => ok(v),
};

/** The encoder as it was (every record through JSON.stringify), kept as the oracle of byte identity. */
function previous(state: CollectionState<unknown>): string {
  const indented = (v: unknown, pad: string): string => {
    const text = JSON.stringify(v, null, 2) ?? "null";
    return text.includes("\n") ? text.replaceAll("\n", `\n${pad}`) : text;
  };
  const sorted = [...state.records.values()].sort(byKey);
  const records =
    sorted.length === 0
      ? "{}"
      : `{\n${sorted
          .map(
            (r) =>
              `    ${JSON.stringify(r.key)}: {\n      "version": ${JSON.stringify(r.version)},\n      "updatedAt": ${JSON.stringify(r.updatedAt)},\n      "value": ${indented(r.value, "      ")}\n    }`,
          )
          .join(",\n")}\n  }`;
  return `{\n  "schemaVersion": ${JSON.stringify(spec.schemaVersion)},\n  "collection": ${JSON.stringify(spec.name)},\n  "generation": ${JSON.stringify(state.generation)},\n  "records": ${records}\n}\n`;
}

const isIndex = (k: string) => /^(0|[1-9][0-9]*)$/.test(k) && Number(k) < 2 ** 32 - 1;

const whole = (state: CollectionState<unknown>): string => wholeDocument(spec, state);

/** Code units that JSON escapes or that are easy to get wrong, and any other. */
const unit = fc.oneof(
  fc.constantFrom(
    '"',
    "\\",
    "\n",
    "\r",
    "\t",
    "\b",
    "\f",
    "\u0000",
    "\u001f",
    "\u007f",
    "\u2028",
    "\u2029",
    "\ud800",
    "\udbff",
    "\udc00",
    "\udfff",
    "\ud83d\ude00",
    "é",
    "/",
    "<",
    ":",
    "a",
    "Z",
    "0",
    " ",
  ),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
);
const text = fc.oneof(fc.string({ unit, maxLength: 10 }), fc.string({ maxLength: 10 }));
const name = fc.oneof(
  text,
  fc.constantFrom(
    "__proto__",
    "constructor",
    "toJSON",
    "prefix",
    "",
    "0",
    "1",
    "10",
    "9",
    "-1",
    "01",
    "4294967295",
  ),
);
const num = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(-0, 0, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, Number.NaN, Infinity, -Infinity, 2 ** 53),
);
const scalar = fc.oneof(text, num, fc.boolean(), fc.constant(null));

/** A member value: mostly scalars (the fast path), sometimes something that sends the value to JSON.stringify. */
const member: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: scalar },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constantFrom<unknown>(
        undefined,
        [],
        {},
        [1, "a"],
        { a: { b: null } },
        new Date(0),
        () => 1,
        Symbol("s"),
      ),
      fc.jsonValue(),
    ),
  },
);

function objectOf(entries: readonly (readonly [string, unknown])[], nullProto: boolean): object {
  const obj = nullProto ? Object.create(null) : {};
  for (const [k, v] of entries) define(obj, k, v);
  return obj;
}

/** A record value; `key` stands for the record's key (a DDM record's value repeats it). */
const KEY = Symbol("key");
const value: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.uniqueArray(fc.tuple(name, fc.oneof(member, fc.constant(KEY))), {
          selector: (e) => e[0],
          maxLength: 5,
        }),
        fc.boolean(),
      )
      .map(([entries, nullProto]) => objectOf(entries, nullProto)),
  },
  { weight: 1, arbitrary: fc.oneof(scalar, fc.jsonValue(), fc.constantFrom<unknown>([], {}, [[]], [{}])) },
);

/** Put the record's key where the value holds KEY. */
function withKey(v: unknown, key: string): unknown {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return v;
  for (const k of Object.keys(v)) if ((v as Record<string, unknown>)[k] === KEY) define(v, k, key);
  return v;
}

const stamp = fc.oneof(fc.constant("2026-11-21T00:00:00.000Z"), text);

const states = fc
  .tuple(
    fc.nat(1000),
    fc.uniqueArray(fc.tuple(name, fc.integer({ min: 1, max: 3 }), stamp, value), {
      selector: (e) => e[0],
      maxLength: 12,
    }),
  )
  .map(
    ([generation, entries]): CollectionState<unknown> => ({
      generation,
      records: new Map(
        entries.map(([key, version, updatedAt, v]): [string, StoredRecord<unknown>] => [
          key,
          { key, version, updatedAt, value: withKey(v, key) },
        ]),
      ),
    }),
  );

/** Whether every value is JSON all the way down (no undefined, functions, symbols; Dates are fine). */
function allJson(state: CollectionState<unknown>): boolean {
  return [...state.records.values()].every((r) => {
    try {
      return JSON.stringify({ v: r.value }) === `{"v":${JSON.stringify(r.value) ?? "null"}}`;
    } catch {
      return false;
    }
  });
}

const state = (
  records: [string, unknown][],
  updatedAt = "2026-11-21T00:00:00.000Z",
): CollectionState<unknown> => ({
  generation: 7,
  records: new Map(
    records.map(([key, v], i): [string, StoredRecord<unknown>] => [
      key,
      { key, version: i + 1, updatedAt, value: v },
    ]),
  ),
});

describe("store file encoding, record by record", () => {
  it("writes the same text as the encoder before it, for any records", () => {
    fc.assert(
      fc.property(states, (s) => {
        assert.equal(encodeCollection(spec, s), previous(s));
      }),
      { numRuns: 2000 },
    );
  });

  it("writes the text of JSON.stringify(doc, null, 2), for any records JSON can order alike", () => {
    let compared = 0;
    fc.assert(
      fc.property(states, (s) => {
        if ([...s.records.keys()].some(isIndex) || !allJson(s)) return;
        compared += 1;
        assert.equal(encodeCollection(spec, s), whole(s));
      }),
      { numRuns: 2000 },
    );
    assert.ok(compared > 500, `only ${compared} states compared`);
  });

  it("writes the tricky cases the same as JSON.stringify", () => {
    const protoValue = {};
    define(protoValue, "__proto__", "p");
    define(protoValue, "x", 1);
    const cases: [string, unknown][] = [
      ["__proto__", { prefix: "fd00::/64" }],
      ['a"b\\c\nd\u0000\u001f', { 'k"\\\n': 'v"\\\n\t', plain: "x" }],
      ["\u2028\u2029", { s: "\u2028\u2029" }],
      ["lone \ud800 high", { s: "lone \udc00 low", pair: "\ud83d\ude00" }],
      ["numbers", { a: -0, b: 1e21, c: Number.NaN, d: Infinity, e: -Infinity, f: 1e-7, g: 0.1 + 0.2 }],
      ["order", { b: 1, a: 2, 10: 3, 2: 4 }],
      ["proto key", protoValue],
      ["null proto", Object.assign(Object.create(null), { a: "b", n: null, t: true, f: false })],
      ["empty", {}],
      ["empty array", []],
      ["nested", { a: { b: [1, { c: "d" }] }, e: [] }],
      ["undefined member", { a: undefined, b: "x" }],
      ["only undefined", { a: undefined }],
      ["function member", { a: () => 1, b: Symbol("s"), c: 1 }],
      ["date", new Date(0)],
      ["toJSON", { toJSON: () => ({ replaced: true }) }],
      ["toJSON not callable", { toJSON: "text", x: 1 }],
      [
        "class",
        new (class P {
          constructor(readonly prefix = "fd00::/64") {}
        })(),
      ],
      ["boxed string", Object("ab")],
      ["boxed number", Object(3)],
      ["boxed boolean", Object(false)],
      ["typed array", new Uint8Array([1, 2])],
      ["map", new Map([["a", 1]])],
      ["string", "just text"],
      ["number", 5],
      ["null", null],
      ["undefined", undefined],
      ["array of objects", [{ a: 1 }, {}]],
      ["fd00:1:2::/64", { prefix: "fd00:1:2::/64" }],
      ["10", { prefix: "10" }],
      ["9", {}],
    ];
    const s = state(cases);
    assert.equal(encodeCollection(spec, s), previous(s));
    for (const [key, v] of cases) {
      const one = state([[key, v]]);
      assert.equal(encodeCollection(spec, one), previous(one), key);
      if (allJson(one)) assert.equal(encodeCollection(spec, one), whole(one), key);
    }
  });

  it("calls a toJSON the values inherit, as JSON.stringify does", () => {
    const s = state([
      ["a", { prefix: "fd00::/64" }],
      ["b", {}],
    ]);
    Object.defineProperty(Object.prototype, "toJSON", {
      value: () => "replaced",
      configurable: true,
      writable: true,
    });
    let text: string;
    let before: string;
    try {
      text = encodeCollection(spec, s);
      before = previous(s);
    } finally {
      delete (Object.prototype as { toJSON?: unknown }).toJSON;
    }
    assert.equal(text, before);
    assert.match(text, /"value": "replaced"/);
  });

  it("writes each run of updatedAt and version values right", () => {
    const records = new Map<string, StoredRecord<unknown>>();
    for (let i = 0; i < 50; i++) {
      const key = `fd00:${i}::/64`;
      records.set(key, {
        key,
        version: (i >> 2) + 1,
        updatedAt: i % 7 < 3 ? "2026-01-01T00:00:00.000Z" : `2026-01-0${(i % 5) + 1}T00:00:00.000Z`,
        value: { prefix: key },
      });
    }
    const s: CollectionState<unknown> = { generation: 3, records };
    assert.equal(encodeCollection(spec, s), previous(s));
    assert.equal(encodeCollection(spec, s), whole(s));
  });

  it("writes an empty collection", () => {
    const s = state([]);
    assert.equal(encodeCollection(spec, s), previous(s));
    assert.equal(encodeCollection(spec, s), whole(s));
  });

  it("throws on a value JSON cannot represent, as JSON.stringify does", () => {
    assert.throws(() => encodeCollection(spec, state([["k", { n: 1n }]])), TypeError);
    assert.throws(() => encodeCollection(spec, state([["k", { a: "x", n: 1n }]])), TypeError);
  });
});
