import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { decodeDiscovery, encodeDiscovery, isValidHostname } from "../../../protocols/ddm/discovery.js";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));

describe("ddm discovery codec (spec §1.1)", () => {
  it("encodes a server solicitation as version 2, flag 0x01, kind 0, length-prefixed hostname", () => {
    const r = encodeDiscovery({ solicit: true, advertise: false, kind: "server", hostname: "sled0" });
    assert.ok(r.ok);
    assert.deepEqual(r.value, hex("02 01 00 05 736c656430"));
  });

  it("encodes a transit advertisement as flag 0x02, kind 1", () => {
    const r = encodeDiscovery({ solicit: false, advertise: true, kind: "transit", hostname: "switch0" });
    assert.ok(r.ok);
    assert.deepEqual(r.value, hex("02 02 01 07 73776974636830"));
  });

  it("decodes a version 3 advertisement as exchange v3", () => {
    const r = decodeDiscovery(hex("03 02 01 07 73776974636830"));
    assert.deepEqual(r, {
      ok: true,
      value: {
        version: 3,
        exchangeVersion: 3,
        solicit: false,
        advertise: true,
        kind: "transit",
        hostname: "switch0",
      },
    });
  });

  it("keeps an unknown version so a solicitation is still answered, with no exchange version", () => {
    const r = decodeDiscovery(hex("01 01 00 01 61"));
    assert.ok(r.ok);
    assert.equal(r.value.version, 1);
    assert.equal(r.value.exchangeVersion, null);
    assert.equal(r.value.solicit, true);
  });

  it("decodes both flags at once and ignores reserved flag bits", () => {
    const r = decodeDiscovery(hex("02 f3 00 00"));
    assert.ok(r.ok);
    assert.equal(r.value.solicit, true);
    assert.equal(r.value.advertise, true);
    assert.equal(r.value.hostname, "");
  });

  it("ignores trailing bytes after the hostname", () => {
    const r = decodeDiscovery(hex("02 02 00 01 61 ffff"));
    assert.ok(r.ok);
    assert.equal(r.value.hostname, "a");
  });

  it("rejects malformed datagrams with typed codes", () => {
    const code = (s: string): string | undefined => {
      const r = decodeDiscovery(hex(s));
      return r.ok ? undefined : r.error.code;
    };
    assert.equal(code(""), "DDM_DISC_TOO_SHORT");
    assert.equal(code("02 01 00"), "DDM_DISC_TOO_SHORT");
    assert.equal(code("02 01 02 00"), "DDM_DISC_BAD_KIND");
    assert.equal(code("02 01 00 05 6162"), "DDM_DISC_TRUNCATED_HOSTNAME");
    assert.equal(code("02 01 00 02 c328"), "DDM_DISC_BAD_HOSTNAME");
    assert.equal(code("02 00 00 00"), "DDM_DISC_NO_FLAGS");
    assert.equal(code("02 fc 00 00"), "DDM_DISC_NO_FLAGS");
  });

  it("refuses to encode a hostname over 255 bytes instead of wrapping the length", () => {
    const r = encodeDiscovery({ solicit: true, advertise: false, kind: "server", hostname: "x".repeat(256) });
    assert.deepEqual(r, { ok: false, error: { code: "DDM_DISC_HOSTNAME_TOO_LONG" } });
    assert.equal(isValidHostname("x".repeat(255)), true);
    assert.equal(isValidHostname("é".repeat(128)), false);
    assert.equal(isValidHostname(""), false);
  });

  it("round-trips every encodable message", () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom("server" as const, "transit" as const),
        fc.string({ unit: "grapheme", maxLength: 60 }),
        (solicit, advertise, kind, hostname) => {
          fc.pre(solicit || advertise);
          const e = encodeDiscovery({ solicit, advertise, kind, hostname });
          if (!e.ok) return Buffer.byteLength(hostname) > 255;
          const d = decodeDiscovery(e.value);
          assert.deepEqual(d, {
            ok: true,
            value: { version: 2, exchangeVersion: 2, solicit, advertise, kind, hostname },
          });
          return true;
        },
      ),
    );
  });

  it("never throws on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        const r = decodeDiscovery(b);
        return typeof r.ok === "boolean";
      }),
    );
  });
});
