/**
 * ICMP echo codec (RFC 792, RFC 4443 §4) and the RFC 1071 checksum.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeEchoReply, encodeEchoRequest, internetChecksum } from "dgram-extended";
import fc from "fast-check";

function asReply(request: Buffer, family: 4 | 6): Buffer {
  const r = Buffer.from(request);
  r[0] = family === 4 ? 0 : 129;
  r.writeUInt16BE(0, 2);
  if (family === 4) r.writeUInt16BE(internetChecksum(r), 2);
  return r;
}

function ipv4Header(ttl: number, ihlWords = 5): Buffer {
  const h = Buffer.alloc(ihlWords * 4);
  h[0] = 0x40 | ihlWords;
  h[8] = ttl;
  h[9] = 1;
  return h;
}

describe("internet checksum (RFC 1071)", () => {
  it("matches the worked example of RFC 1071 §3", () => {
    // Sum of 0001 f203 f4f5 f6f7 is ddf2 (with end-around carry); the checksum is its complement.
    assert.equal(internetChecksum(Buffer.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7])), 0x220d);
  });

  it("pads an odd length with a zero byte", () => {
    assert.equal(internetChecksum(Buffer.from([0x01])), internetChecksum(Buffer.from([0x01, 0x00])));
  });

  it("a message carrying its own checksum sums to zero", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 200 }),
        fc.integer({ min: 0, max: 0xffff }),
        (p, id) => {
          const m = encodeEchoRequest(4, id, 1, p);
          return internetChecksum(m) === 0;
        },
      ),
    );
  });
});

describe("echo codec", () => {
  it("encodes type 8 / 128 with identifier and sequence in network order", () => {
    const v4 = encodeEchoRequest(4, 0x1234, 0xabcd, Buffer.from("hi"));
    assert.deepEqual([...v4.subarray(0, 2)], [8, 0]);
    assert.equal(v4.readUInt16BE(4), 0x1234);
    assert.equal(v4.readUInt16BE(6), 0xabcd);
    assert.equal(v4.subarray(8).toString(), "hi");
    const v6 = encodeEchoRequest(6, 1, 2, Buffer.alloc(0));
    assert.equal(v6[0], 128);
    assert.equal(v6.readUInt16BE(2), 0, "ICMPv6 checksum is left to the kernel");
  });

  it("round-trips identifier, sequence and payload through a reply (both families)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(4 as const, 6 as const),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.uint8Array({ maxLength: 64 }),
        (family, id, seq, payload) => {
          const d = decodeEchoReply(
            family,
            asReply(encodeEchoRequest(family, id, seq, payload), family),
            false,
          );
          return (
            d.ok &&
            d.value.identifier === id &&
            d.value.sequence === seq &&
            Buffer.from(payload).equals(d.value.payload) &&
            d.value.ttl === undefined
          );
        },
      ),
    );
  });

  it("strips an IPv4 header (with options) and reports its TTL", () => {
    const icmp = asReply(encodeEchoRequest(4, 7, 9, Buffer.from("abc")), 4);
    for (const words of [5, 6, 15]) {
      const d = decodeEchoReply(4, Buffer.concat([ipv4Header(61, words), icmp]), true);
      assert.ok(d.ok);
      assert.equal(d.value.ttl, 61);
      assert.equal(d.value.sequence, 9);
    }
  });

  it("returns typed errors and never throws on arbitrary bytes", () => {
    assert.deepEqual(decodeEchoReply(4, Buffer.alloc(3), false), {
      ok: false,
      error: { code: "too-short", detail: "3 bytes" },
    });
    const request = encodeEchoRequest(4, 1, 1, Buffer.alloc(0));
    const notReply = decodeEchoReply(4, request, false);
    assert.equal(notReply.ok ? "ok" : notReply.error.code, "not-echo-reply");
    const bad = asReply(encodeEchoRequest(4, 1, 1, Buffer.from("x")), 4);
    bad[8] = (bad[8] ?? 0) ^ 0xff;
    const badSum = decodeEchoReply(4, Buffer.concat([ipv4Header(64), bad]), true);
    assert.equal(badSum.ok ? "ok" : badSum.error.code, "bad-checksum");
    const v6Header = decodeEchoReply(4, Buffer.concat([Buffer.from([0x60]), Buffer.alloc(40)]), true);
    assert.equal(v6Header.ok ? "ok" : v6Header.error.code, "bad-ip-header");
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }),
        fc.boolean(),
        fc.constantFrom(4 as const, 6 as const),
        (b, h, f) => {
          const r = decodeEchoReply(f, Buffer.from(b), h);
          return typeof r.ok === "boolean";
        },
      ),
    );
  });
});
