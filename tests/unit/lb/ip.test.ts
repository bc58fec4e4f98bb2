import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compareIp, ip, ipBytes, ipFamily, ipFromBytes, parseIp, sortIps } from "../../../protocols/lb/ip.js";

describe("lb ip", () => {
  it("canonicalises IPv6 per RFC 5952 §4 (lowercase, longest zero run, no leading zeros)", () => {
    assert.equal(ip("2001:0DB8:0000:0000:0000:0000:0000:0001"), "2001:db8::1");
    assert.equal(ip("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
    assert.equal(ip("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
    assert.equal(ip("::"), "::");
    assert.equal(ip("::ffff:192.0.2.1"), "::ffff:c000:201");
    assert.equal(ip("1::"), "1::");
  });
  it("refuses malformed input with a typed code instead of throwing", () => {
    for (const bad of [
      "",
      "1.2.3",
      "1.2.3.256",
      "01.2.3.4",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      "g::1",
      "::1%eth0",
    ]) {
      const r = parseIp(bad);
      assert.equal(r.ok, false, bad);
      if (!r.ok) assert.equal(r.error.code, "LB_E_BAD_ADDRESS");
    }
  });
  it("round-trips through network-order bytes", () => {
    for (const a of ["198.51.100.10", "0.0.0.0", "2001:db8::fe", "::", "fe80::1:2"]) {
      const x = ip(a);
      const b = ipBytes(x);
      assert.equal(b.length, ipFamily(x) === 4 ? 4 : 16);
      assert.equal(ipFromBytes(b), x);
    }
  });
  it("orders numerically with every IPv4 address before any IPv6 address (§4.4)", () => {
    const sorted = sortIps(["2001:db8::2", "10.0.0.10", "::1", "10.0.0.2", "9.255.255.255"].map(ip));
    assert.deepEqual(sorted, ["9.255.255.255", "10.0.0.2", "10.0.0.10", "::1", "2001:db8::2"]);
    assert.equal(compareIp(ip("10.0.0.1"), ip("10.0.0.1")), 0);
  });
});
