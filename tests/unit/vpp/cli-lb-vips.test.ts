import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseShowLbVipsVerbose } from "../../../dataplane/vpp/cli-lb-vips.js";

/** Shaped like VPP's output per maglev-vpp §6.5 (two VIPs, one sticky all-port v6 VIP). */
const SAMPLE = [
  " ip4-gre4 [1] 203.0.113.1/32",
  "   new_size:1024",
  "   protocol:6 port:80",
  "   counters:",
  "     packet from existing sessions: 12",
  "     first session packet: 3",
  "     untracked packet: 0",
  "     no server configured: 0",
  "   #as:2",
  "     198.51.100.10 weight:100 buckets:1024 flows:3 dpo:27 used",
  "     198.51.100.20 weight:0 buckets:0 flows:0 dpo:28   removed",
  " ip6-gre4 [3] 2001:db8::80/128 src_ip_sticky",
  "   new_size:1024",
  "   counters:",
  "     packet from existing sessions: 0",
  "   #as:0",
  "",
].join("\n");

describe("show lb vips verbose parser (§6.5)", () => {
  it("extracts pool index, prefix, src_ip_sticky, protocol/port and ASes", () => {
    const vips = parseShowLbVipsVerbose(SAMPLE);
    assert.equal(vips.length, 2);
    assert.deepEqual(vips[0], {
      type: "ip4-gre4",
      index: 1,
      prefix: { address: "203.0.113.1", len: 32 },
      srcIpSticky: false,
      removed: false,
      newSize: 1024,
      protocol: 6,
      port: 80,
      ases: [
        { address: "198.51.100.10", weight: 100, buckets: 1024, used: true },
        { address: "198.51.100.20", weight: 0, buckets: 0, used: false },
      ],
    });
    assert.equal(vips[1]?.srcIpSticky, true);
    assert.equal(vips[1]?.index, 3);
    assert.equal(vips[1]?.protocol, 255, "an all-port VIP has no protocol line");
    assert.equal(vips[1]?.port, 0);
  });
  it("accepts an IPv4 VIP printed with VPP's internal +96 length", () => {
    const [v] = parseShowLbVipsVerbose(" ip4-gre4 [7] 192.0.2.1/128\n");
    assert.equal(v?.prefix.len, 32);
  });
  it("is lenient: unknown lines are skipped, nothing throws", () => {
    assert.deepEqual(parseShowLbVipsVerbose("lb_vip_t not configured\n"), []);
    fc.assert(fc.property(fc.string({ maxLength: 500 }), (s) => Array.isArray(parseShowLbVipsVerbose(s))));
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...SAMPLE.split("\n"), " ip4-gre4 [x] 1.2.3.4/32", "  999.1.1.1 weight:1")),
        (ls) => Array.isArray(parseShowLbVipsVerbose(ls.join("\n"))),
      ),
    );
  });
});
