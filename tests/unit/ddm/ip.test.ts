import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  formatIpv6,
  ipv6Bytes,
  ipv6NetworkBytes,
  parseIpNet,
  parseIpv6,
  parseIpv6Net,
} from "../../../protocols/ddm/ip.js";

const canon = (s: string): string | undefined => {
  const r = parseIpv6(s);
  return r.ok ? r.value : undefined;
};

describe("ddm ip text", () => {
  it("canonicalises IPv6 per RFC 5952 §4", () => {
    assert.equal(canon("FD00:0001:0000:0000:0000:0000:0000:0000"), "fd00:1::");
    assert.equal(canon("fe80::1"), "fe80::1");
    assert.equal(canon("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
    assert.equal(canon("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
    assert.equal(canon("::"), "::");
    assert.equal(canon("::ffff:192.0.2.1"), "::ffff:c000:201");
    assert.equal(canon("1:2:3:4:5:6:7::"), "1:2:3:4:5:6:7:0");
  });

  it("rejects malformed IPv6 text", () => {
    for (const s of [
      "",
      ":",
      "1:::2",
      "1::2::3",
      "12345::",
      "g::",
      "1:2:3:4:5:6:7:8:9",
      "fe80::1%eth0",
      "1.2.3.4::",
    ]) {
      assert.equal(canon(s), undefined, s);
    }
  });

  it("parses CIDR of both families and checks lengths", () => {
    assert.deepEqual(parseIpv6Net("fd00:1::/64"), { ok: true, value: { addr: "fd00:1::", len: 64 } });
    assert.deepEqual(parseIpNet("203.0.113.0/24"), {
      ok: true,
      value: { family: 4, addr: "203.0.113.0", len: 24 },
    });
    assert.deepEqual(parseIpv6Net("fd00::/129"), { ok: false, error: "BAD_PREFIX_LEN" });
    assert.deepEqual(parseIpNet("10.0.0.0/33"), { ok: false, error: "BAD_PREFIX_LEN" });
    assert.deepEqual(parseIpNet("010.0.0.0/8"), { ok: false, error: "BAD_IPV4" });
    assert.deepEqual(parseIpv6Net("fd00::"), { ok: false, error: "BAD_CIDR" });
  });

  it("clears host bits for the network address", () => {
    const n = parseIpv6Net("fd00:1:2:3:ffff::1/52");
    assert.ok(n.ok);
    assert.equal(formatIpv6(ipv6NetworkBytes(n.value)), "fd00:1:2::");
  });

  it("round-trips any 16 bytes through canonical text", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        assert.deepEqual(ipv6Bytes(formatIpv6(b)), b);
      }),
    );
  });
});
