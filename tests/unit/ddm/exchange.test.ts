import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  convertPullResponse,
  convertUpdate,
  parsePullResponse,
  parseUpdate,
  serializePullResponse,
  serializeUpdate,
} from "../../../protocols/ddm/exchange.js";
import { formatIpv4, formatIpv6 } from "../../../protocols/ddm/ip.js";
import type { PathVector, TunnelOrigin, Update } from "../../../protocols/ddm/types.js";

const compact = (s: string) => JSON.stringify(JSON.parse(s));

// Golden bodies built from spec §1.3's examples.
const V3_UPDATE = `{
  "underlay": {
    "announce": [{"destination": "fd00:1::/64", "path": ["host-a", "switch0"]}],
    "withdraw": []
  },
  "tunnel": {
    "announce": [{"overlay_prefix": "203.0.113.0/24", "boundary_addr": "fd00:99::1", "vni": 99, "metric": 18446744073709551615}],
    "withdraw": [{"overlay_prefix": "fd00:aa::/48", "boundary_addr": "fd00:99::1", "vni": 7, "metric": 0}]
  }
}`;
const V2_UPDATE = `{
  "underlay": {
    "announce": [{"destination": {"addr": "fd00:1::", "len": 64}, "path": ["host-a", "switch0"]}],
    "withdraw": []
  },
  "tunnel": {
    "announce": [{"overlay_prefix": {"V4": {"addr": "203.0.113.0", "len": 24}}, "boundary_addr": "fd00:99::1", "vni": 99, "metric": 18446744073709551615}],
    "withdraw": [{"overlay_prefix": {"V6": {"addr": "fd00:aa::", "len": 48}}, "boundary_addr": "fd00:99::1", "vni": 7, "metric": 0}]
  }
}`;

const EXPECTED: Update = {
  underlay: {
    announce: [{ destination: { addr: "fd00:1::" as never, len: 64 }, path: ["host-a", "switch0"] }],
    withdraw: [],
  },
  tunnel: {
    announce: [
      {
        overlayPrefix: { family: 4, addr: "203.0.113.0" as never, len: 24 },
        boundaryAddr: "fd00:99::1" as never,
        vni: 99,
        metric: 18446744073709551615n,
      },
    ],
    withdraw: [
      {
        overlayPrefix: { family: 6, addr: "fd00:aa::" as never, len: 48 },
        boundaryAddr: "fd00:99::1" as never,
        vni: 7,
        metric: 0n,
      },
    ],
  },
};

const errCode = (r: { ok: boolean; error?: { code: string; path: string } }) =>
  r.ok ? "ok" : `${r.error?.code} ${r.error?.path}`;

describe("ddm exchange bodies (spec §1.3)", () => {
  it("parses the v3 golden update, keeping u64::MAX exact", () => {
    assert.deepEqual(parseUpdate(V3_UPDATE, 3), { ok: true, value: EXPECTED });
  });

  it("parses the v2 golden update to the same value", () => {
    assert.deepEqual(parseUpdate(V2_UPDATE, 2), { ok: true, value: EXPECTED });
  });

  it("serialises to exactly the golden bodies of each version", () => {
    assert.equal(
      serializeUpdate(EXPECTED, 3),
      compact(V3_UPDATE).replace("18446744073709552000", "18446744073709551615"),
    );
    assert.equal(
      serializeUpdate(EXPECTED, 2),
      compact(V2_UPDATE).replace("18446744073709552000", "18446744073709551615"),
    );
  });

  it("converts v2 to v3 and back", () => {
    const v3 = convertUpdate(V2_UPDATE, 2, 3);
    assert.ok(v3.ok);
    assert.deepEqual(parseUpdate(v3.value, 3), { ok: true, value: EXPECTED });
    const v2 = convertUpdate(v3.value, 3, 2);
    assert.ok(v2.ok);
    assert.deepEqual(parseUpdate(v2.value, 2), { ok: true, value: EXPECTED });
  });

  it("reads missing or null update parts as null and a missing metric as 0", () => {
    assert.deepEqual(parseUpdate("{}", 3), { ok: true, value: { underlay: null, tunnel: null } });
    const r = parseUpdate(
      '{"underlay": null, "tunnel": {"announce": [{"overlay_prefix": "10.0.0.0/8", "boundary_addr": "fd00::1", "vni": 1}], "withdraw": []}}',
      3,
    );
    assert.ok(r.ok);
    assert.equal(r.value.tunnel?.announce[0]?.metric, 0n);
  });

  it("sends null for empty pull sets and reads null back as empty", () => {
    assert.equal(serializePullResponse({ underlay: [], tunnel: [] }, 3), '{"underlay":null,"tunnel":null}');
    assert.deepEqual(parsePullResponse('{"underlay":null,"tunnel":null}', 2), {
      ok: true,
      value: { underlay: [], tunnel: [] },
    });
    const pull = '{"underlay":[{"destination":{"addr":"fd00:2::","len":64},"path":["sled2"]}],"tunnel":null}';
    assert.deepEqual(convertPullResponse(pull, 2, 3), {
      ok: true,
      value: '{"underlay":[{"destination":"fd00:2::/64","path":["sled2"]}],"tunnel":null}',
    });
  });

  it("canonicalises addresses so equal prefixes compare equal", () => {
    const r = parseUpdate(
      '{"underlay":{"announce":[{"destination":"FD00:0001::/64","path":[]}],"withdraw":[]}}',
      3,
    );
    assert.ok(r.ok);
    assert.equal(r.value.underlay?.announce[0]?.destination.addr, "fd00:1::");
  });

  it("ignores unknown keys, as serde does by default", () => {
    assert.deepEqual(parseUpdate('{"underlay":null,"tunnel":null,"future":1}', 3), {
      ok: true,
      value: { underlay: null, tunnel: null },
    });
  });

  it("rejects bad bodies with a typed code and the JSON path", () => {
    const cases: [string, 2 | 3, string][] = [
      ["nope", 3, "DDM_E_XCHG_BAD_JSON $"],
      ["[]", 3, "DDM_E_XCHG_BAD_SHAPE $"],
      ['{"underlay":{"announce":[]}}', 3, "DDM_E_XCHG_BAD_SHAPE $.underlay.withdraw"],
      [
        '{"underlay":{"announce":[{"destination":"fd00::/129","path":[]}],"withdraw":[]}}',
        3,
        "DDM_E_XCHG_BAD_VALUE $.underlay.announce[0].destination",
      ],
      [
        '{"underlay":{"announce":[{"destination":"fd00::/64","path":[1]}],"withdraw":[]}}',
        3,
        "DDM_E_XCHG_BAD_SHAPE $.underlay.announce[0].path[0]",
      ],
      [
        '{"underlay":{"announce":[{"destination":"fd00::/64","path":[]}],"withdraw":[]}}',
        2,
        "DDM_E_XCHG_BAD_SHAPE $.underlay.announce[0].destination",
      ],
      [
        '{"underlay":{"announce":[{"destination":{"addr":"10.0.0.0","len":8},"path":[]}],"withdraw":[]}}',
        2,
        "DDM_E_XCHG_BAD_VALUE $.underlay.announce[0].destination.addr",
      ],
      [
        '{"tunnel":{"announce":[{"overlay_prefix":"10.0.0.0/8","boundary_addr":"fd00::1","vni":4294967296}],"withdraw":[]}}',
        3,
        "DDM_E_XCHG_BAD_VALUE $.tunnel.announce[0].vni",
      ],
      [
        '{"tunnel":{"announce":[{"overlay_prefix":"10.0.0.0/8","boundary_addr":"fd00::1","vni":1,"metric":18446744073709551616}],"withdraw":[]}}',
        3,
        "DDM_E_XCHG_BAD_VALUE $.tunnel.announce[0].metric",
      ],
      [
        '{"tunnel":{"announce":[{"overlay_prefix":"10.0.0.0/8","boundary_addr":"fd00::1","vni":1.5}],"withdraw":[]}}',
        3,
        "DDM_E_XCHG_BAD_VALUE $.tunnel.announce[0].vni",
      ],
      [
        '{"tunnel":{"announce":[{"overlay_prefix":{"V4":{"addr":"10.0.0.0","len":8},"V6":{"addr":"::","len":0}},"boundary_addr":"fd00::1","vni":1}],"withdraw":[]}}',
        2,
        "DDM_E_XCHG_BAD_SHAPE $.tunnel.announce[0].overlay_prefix",
      ],
      [
        '{"tunnel":{"announce":[{"overlay_prefix":"10.0.0.0/8","boundary_addr":"10.0.0.1","vni":1}],"withdraw":[]}}',
        3,
        "DDM_E_XCHG_BAD_VALUE $.tunnel.announce[0].boundary_addr",
      ],
    ];
    for (const [body, ver, expected] of cases) assert.equal(errCode(parseUpdate(body, ver)), expected, body);
  });

  it("finds a bad path vector after good ones by its index (the usual-shape reader falls back to the strict one)", () => {
    const good3 = Array.from({ length: 5 }, (_, i) => ({ destination: `fd00:${i + 1}::/64`, path: ["a"] }));
    const good2 = Array.from({ length: 5 }, (_, i) => ({
      destination: { addr: `fd00:${i + 1}::`, len: 64 },
      path: ["a"],
    }));
    const body = (announce: unknown[], withdraw: unknown[] = []) =>
      JSON.stringify({ underlay: { announce, withdraw } });
    const cases: [string, 2 | 3, string][] = [
      [
        body([...good3, { destination: "fd00::/64", path: ["a", 7] }]),
        3,
        "DDM_E_XCHG_BAD_SHAPE $.underlay.announce[5].path[1]",
      ],
      [
        body(good3, [...good3.slice(0, 2), { destination: "fd00::/200", path: [] }]),
        3,
        "DDM_E_XCHG_BAD_VALUE $.underlay.withdraw[2].destination",
      ],
      [body([...good3, "x"]), 3, "DDM_E_XCHG_BAD_SHAPE $.underlay.announce[5]"],
      [
        body([...good2, { destination: { addr: "fd00::", len: 129 }, path: [] }]),
        2,
        "DDM_E_XCHG_BAD_VALUE $.underlay.announce[5].destination.len",
      ],
      [
        body([...good2, { destination: { addr: "fd00::", len: -1 }, path: [] }]),
        2,
        "DDM_E_XCHG_BAD_VALUE $.underlay.announce[5].destination.len",
      ],
      [
        body([...good2, { destination: { addr: "fd00::", len: 1.5 }, path: [] }]),
        2,
        "DDM_E_XCHG_BAD_VALUE $.underlay.announce[5].destination.len",
      ],
      [
        body([...good2, { destination: { addr: "fd00::" }, path: [] }]),
        2,
        "DDM_E_XCHG_BAD_SHAPE $.underlay.announce[5].destination.len",
      ],
      [
        body([...good2, { destination: "fd00::/64", path: [] }]),
        2,
        "DDM_E_XCHG_BAD_SHAPE $.underlay.announce[5].destination",
      ],
    ];
    for (const [b, ver, expected] of cases) assert.equal(errCode(parseUpdate(b, ver)), expected, b);
    // Same bodies without the bad item parse, with every vector kept in order.
    const ok3 = parseUpdate(body(good3, good3.slice(0, 2)), 3);
    assert.ok(ok3.ok);
    assert.deepEqual(
      ok3.value.underlay?.announce.map(
        (pv) => `${pv.destination.addr}/${pv.destination.len} ${pv.path.join(",")}`,
      ),
      good3.map((g) => `${g.destination} a`),
    );
    assert.equal(ok3.value.underlay?.withdraw.length, 2);
    const ok2 = parseUpdate(body(good2), 2);
    assert.ok(ok2.ok);
    assert.deepEqual(ok2.value.underlay?.announce[4], {
      destination: { addr: "fd00:5::", len: 64 },
      path: ["a"],
    });
  });
});

// fast-check builds null-prototype records by default, and deepStrictEqual compares prototypes.
const rec = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> =>
  fc.record(model, { noNullPrototype: true }) as fc.Arbitrary<T>;
const hostArb = fc.string({ minLength: 1, maxLength: 12 });
const v6Arb = fc.uint8Array({ minLength: 16, maxLength: 16 }).map(formatIpv6);
const pvArb: fc.Arbitrary<PathVector> = rec({
  destination: rec({ addr: v6Arb, len: fc.integer({ min: 0, max: 128 }) }),
  path: fc.array(hostArb, { maxLength: 4 }),
});
const toArb: fc.Arbitrary<TunnelOrigin> = rec({
  overlayPrefix: fc.oneof(
    rec({
      family: fc.constant(4 as const),
      addr: fc.uint8Array({ minLength: 4, maxLength: 4 }).map(formatIpv4),
      len: fc.integer({ min: 0, max: 32 }),
    }),
    rec({ family: fc.constant(6 as const), addr: v6Arb, len: fc.integer({ min: 0, max: 128 }) }),
  ),
  boundaryAddr: v6Arb,
  vni: fc.integer({ min: 0, max: 0xffff_ffff }),
  metric: fc.bigInt({ min: 0n, max: 18446744073709551615n }),
});
const awArb = <T>(a: fc.Arbitrary<T>) =>
  fc.option(rec({ announce: fc.array(a, { maxLength: 3 }), withdraw: fc.array(a, { maxLength: 3 }) }));

describe("ddm exchange properties", () => {
  it("round-trips every update and pull answer through both versions", () => {
    fc.assert(
      fc.property(
        awArb(pvArb),
        awArb(toArb),
        fc.constantFrom(2 as const, 3 as const),
        (underlay, tunnel, ver) => {
          const u: Update = { underlay, tunnel };
          assert.deepEqual(parseUpdate(serializeUpdate(u, ver), ver), { ok: true, value: u });
          const p = { underlay: underlay?.announce ?? [], tunnel: tunnel?.announce ?? [] };
          assert.deepEqual(parsePullResponse(serializePullResponse(p, ver), ver), { ok: true, value: p });
        },
      ),
    );
  });

  it("never throws on arbitrary JSON or text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string()), fc.constantFrom(2 as const, 3 as const), (t, ver) => {
        assert.equal(typeof parseUpdate(t, ver).ok, "boolean");
        assert.equal(typeof parsePullResponse(t, ver).ok, "boolean");
      }),
    );
  });
});
