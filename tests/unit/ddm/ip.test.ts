import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  canonicalIpv6,
  formatIpv6,
  ipv6Bytes,
  ipv6NetworkAddr,
  ipv6NetworkBytes,
  parseIpNet,
  parseIpv6,
  parseIpv6Net,
} from "../../../protocols/ddm/ip.js";

/** The straightforward split-and-regex parser the fast one replaced, as a reference. */
function referenceBytes(text: string): Uint8Array | null {
  if (text.length === 0 || text.length > 45) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groupsOf = (s: string): number[] | null => {
    if (s === "") return [];
    const out: number[] = [];
    const parts = s.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] ?? "";
      if (i === parts.length - 1 && p.includes(".")) {
        const m = /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/.exec(
          p,
        );
        if (m === null || m.slice(1).some((x) => Number(x) > 255)) return null;
        const [a, b, c, d] = m.slice(1).map(Number) as [number, number, number, number];
        out.push((a << 8) | b, (c << 8) | d);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
      out.push(Number.parseInt(p, 16));
    }
    return out;
  };
  const head = groupsOf(halves[0] ?? "");
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? "") : [];
  if (head === null || tail === null) return null;
  if (halves.length === 2 && (halves[0] ?? "").includes(".")) return null;
  let groups = head;
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return null;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  }
  if (groups.length !== 8) return null;
  return Uint8Array.from(groups.flatMap((g) => [g >> 8, g & 0xff]));
}

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

  it("the one-pass parser agrees with the reference on addresses, near-misses and junk", () => {
    const alphabet = fc.constantFrom(..."0123456789abcdefABCDEF:.:g%");
    const mutate = fc.tuple(fc.ipV6(), fc.nat(50), fc.string({ unit: alphabet, maxLength: 3 }));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.ipV6(),
          fc.string({ unit: alphabet, maxLength: 46 }),
          mutate.map(([a, at, ins]) => a.slice(0, at % (a.length + 1)) + ins + a.slice(at % (a.length + 1))),
        ),
        (t) => {
          assert.deepEqual(ipv6Bytes(t), referenceBytes(t), t);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("keeps canonical text as it is and re-spells anything else, as formatting the bytes does", () => {
    const alphabet = fc.constantFrom(..."0123456789abcdefABCDEF:.:g%");
    const mutate = fc.tuple(fc.ipV6(), fc.nat(50), fc.string({ unit: alphabet, maxLength: 3 }));
    const spelled = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIpv6(b) as string);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.ipV6(),
          spelled,
          fc.string({ unit: alphabet, maxLength: 46 }),
          mutate.map(([a, at, ins]) => a.slice(0, at % (a.length + 1)) + ins + a.slice(at % (a.length + 1))),
        ),
        (t) => {
          const b = referenceBytes(t);
          assert.equal(canonicalIpv6(t), b === null ? null : formatIpv6(b), t);
        },
      ),
      { numRuns: 5000 },
    );
    for (const t of ["::", "::1", "1::", "fd00:1::", "1:0:1:1:1:1:1:1", "fe80::1:0:0:1"])
      assert.equal(canonicalIpv6(t), t);
    for (const [t, c] of [
      ["1::1:1:1:1:1:1", "1:0:1:1:1:1:1:1"] as const,
      ["1:0::1", "1::1"],
      ["1:0:0:1:0:0:0:1", "1:0:0:1::1"],
      ["1:0:0:1:0:0:1:1", "1::1:0:0:1:1"],
      ["1:0:0:1::1:1", "1::1:0:0:1:1"],
      ["::ffff:1.2.3.4", "::ffff:102:304"],
      ["FD00::", "fd00::"],
      ["fd00:01::", "fd00:1::"],
    ])
      assert.equal(canonicalIpv6(t), c, t);
  });

  it("the network address is the prefix's own text unless host bits are set", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.integer({ min: 0, max: 128 }),
        (b, len) => {
          const n = { addr: formatIpv6(b), len };
          assert.equal(ipv6NetworkAddr(n), formatIpv6(ipv6NetworkBytes(n)));
        },
      ),
    );
  });
});
