import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { decode, encode } from "../../../protocols/bfd/packet.js";
import { packetArb } from "./arbitraries.js";

describe("bfd packet codec properties", () => {
  it("decode(encode(p)) equals p for every representable packet", () => {
    fc.assert(
      fc.property(packetArb, (p) => {
        const r = decode(encode(p));
        assert.ok(r.ok);
        assert.deepEqual(r.value, p);
      }),
      { numRuns: 2000 },
    );
  });

  it("decode never throws, and encode(decode(b)) reproduces the first Length bytes", () => {
    // Bias towards near-valid packets: start from an encoded one and mutate bytes.
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc
        .tuple(packetArb, fc.array(fc.tuple(fc.nat({ max: 63 }), fc.nat({ max: 255 })), { maxLength: 4 }))
        .map(([p, edits]) => {
          const b = encode(p);
          for (const [i, v] of edits) if (i < b.length) b[i] = v;
          return b;
        }),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        const r = decode(b);
        if (!r.ok) return;
        const again = encode(r.value);
        const expected = Uint8Array.from(b.subarray(0, again.length));
        // The MD5/SHA1 reserved byte is ignored on receipt and sent as zero (§4.3).
        if (r.value.auth !== null && r.value.auth.type !== "simple") expected[27] = 0;
        assert.deepEqual(again, expected);
        assert.equal(again.length, b[3]);
      }),
      { numRuns: 3000 },
    );
  });
});
