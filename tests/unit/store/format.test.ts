import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  type CollectionSpec,
  type CollectionState,
  decodeCollection,
  encodeCollection,
  type StoredRecord,
} from "../../../dataplane/store/format.js";
import { ok } from "../../../protocols/common/result.js";
import { wholeDocument } from "./whole-document.js";

const spec: CollectionSpec<unknown> = {
  name: "things",
  schemaVersion: 0,
  migrations: [],
  decode: (v) => ok(v),
};

/** What the file held before records were written one by one: the whole document through JSON.stringify. */
const reference = (state: CollectionState<unknown>): string => wholeDocument(spec, state);

const json: fc.Arbitrary<unknown> = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);
// Keys JSON.stringify would reorder (integer-like) or an object literal would swallow (__proto__) are tested apart.
const key = fc
  .string({ minLength: 1, maxLength: 12 })
  .filter((k) => !/^(0|[1-9][0-9]*)$/.test(k) && k !== "__proto__");

const stateOf = (generation: number, entries: [string, number, unknown][]): CollectionState<unknown> => ({
  generation,
  records: new Map(
    entries.map(([k, version, value]): [string, StoredRecord<unknown>] => [
      k,
      { key: k, version, updatedAt: "2026-11-21T00:00:00.000Z", value },
    ]),
  ),
});

describe("store file encoding", () => {
  it("writes the text JSON.stringify(doc, null, 2) wrote, for any records", () => {
    fc.assert(
      fc.property(
        fc.nat(1000),
        fc.uniqueArray(fc.tuple(key, fc.integer({ min: 1, max: 99 }), json), {
          selector: (e) => e[0],
          maxLength: 8,
        }),
        (generation, entries) => {
          const state = stateOf(generation, entries);
          assert.equal(encodeCollection(spec, state), reference(state));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("round-trips records keyed like integers or __proto__", () => {
    const state = stateOf(3, [
      ["__proto__", 1, { a: 1 }],
      ["10", 2, "x"],
      ["9", 1, null],
      ["b", 1, [1, { c: "d\ne" }]],
    ]);
    const text = encodeCollection(spec, state);
    const back = decodeCollection(spec, text);
    assert.ok(back.ok);
    assert.deepEqual(back.value.state, state);
  });
});
