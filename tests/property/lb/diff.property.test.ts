/**
 * fast-check properties of the LB diff against the pure VPP model:
 *  - apply(diff(d, c), c) = d for any reachable dataplane table c;
 *  - one round converges: diff(d, apply(diff(d, c), c)) = [];
 *  - diff(d, d) = [] (d as a dataplane would hold it);
 *  - the op list does not depend on map insertion order;
 *  - AS ops of one kind in one VIP come in numeric order (§4.4).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  apply,
  BACKEND_STATES,
  compareIp,
  type DesiredState,
  desiredState,
  diff,
  diffVip,
  EMPTY_LB_STATE,
  type FrontendSpec,
  hostVipKey,
  ip,
  type LbOp,
  type LbState,
  materialize,
  type VipProtocol,
  vipKeyId,
} from "../../../protocols/lb/index.js";

const VIPS = ["192.0.2.1", "192.0.2.2", "2001:db8::80"].map(ip);
const BE4 = ["10.0.0.1", "10.0.0.2", "10.0.0.10", "10.0.1.1"].map(ip);
const BE6 = ["2001:db8:1::1", "2001:db8:1::2", "2001:db8:1::10"].map(ip);
const PORTS = [0, 80, 443];
const PROTOS: VipProtocol[] = [6, 17, 255];

const frontendArb = (i: number): fc.Arbitrary<FrontendSpec> =>
  fc
    .record({
      address: fc.constantFrom(...VIPS),
      port: fc.constantFrom(...PORTS),
      protocol: fc.constantFrom(...PROTOS),
      srcIpSticky: fc.boolean(),
      flushOnDown: fc.boolean(),
      v6: fc.boolean(),
      pools: fc.array(fc.array(fc.tuple(fc.nat(6), fc.integer({ min: 0, max: 100 })), { maxLength: 3 }), {
        minLength: 1,
        maxLength: 3,
      }),
    })
    .map((r) => {
      const addrs = r.v6 ? BE6 : BE4;
      return {
        name: `f${i}`,
        address: r.address,
        protocol: r.protocol,
        port: r.port,
        srcIpSticky: r.srcIpSticky,
        flushOnDown: r.flushOnDown,
        pools: r.pools.map((members, pi) => ({
          name: `p${pi}`,
          members: members.map(([b, w]) => {
            const address = addrs[b % addrs.length] ?? addrs[0]!;
            return { backend: `be-${address}`, address, weight: w };
          }),
        })),
      };
    });

const desiredArb: fc.Arbitrary<DesiredState> = fc
  .tuple(
    fc
      .integer({ min: 0, max: 3 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => frontendArb(i)))),
    fc.func(fc.constantFrom(...BACKEND_STATES)),
  )
  .map(([specs, stateFn]) => {
    // Keep only frontends that form a valid set (config validation would refuse the rest).
    const kept: FrontendSpec[] = [];
    for (const s of specs) if (desiredState([...kept, s], stateFn).ok) kept.push(s);
    const r = desiredState(kept, stateFn);
    return r.ok ? r.value : new Map();
  });

const opArb: fc.Arbitrary<LbOp> = fc.oneof(
  fc.record({
    kind: fc.constant("vip-add" as const),
    key: fc
      .tuple(fc.constantFrom(...VIPS), fc.constantFrom(...PROTOS), fc.constantFrom(...PORTS))
      .map(([a, p, port]) => hostVipKey(a, p, port)),
    encap: fc.constantFrom("gre4" as const, "gre6" as const),
    srcIpSticky: fc.boolean(),
    flowTableLength: fc.constantFrom(64, 1024),
    reason: fc.constant("missing" as const),
  }),
  fc.record({
    kind: fc.constantFrom("as-add" as const, "as-set-weight" as const),
    key: fc
      .tuple(fc.constantFrom(...VIPS), fc.constantFrom(...PROTOS), fc.constantFrom(...PORTS))
      .map(([a, p, port]) => hostVipKey(a, p, port)),
    address: fc.constantFrom(...BE4, ...BE6),
    weight: fc.integer({ min: 0, max: 100 }),
    flush: fc.boolean(),
    reason: fc.constant("missing" as const),
  }),
);

/** Reachable tables: whatever a sequence of random calls leaves behind (refused calls skipped). */
const currentArb: fc.Arbitrary<LbState> = fc.array(opArb, { maxLength: 30 }).map((ops) => {
  let s = EMPTY_LB_STATE;
  for (const op of ops) {
    const r = apply([op], s);
    if (r.ok) s = r.value;
  }
  return s;
});

function assertMatches(state: LbState, d: DesiredState): void {
  assert.deepEqual([...state.keys()].sort(), [...d.keys()].sort());
  for (const [id, want] of d) {
    const have = state.get(id);
    assert.ok(have);
    assert.equal(have.encap, want.encap);
    assert.equal(have.srcIpSticky, want.srcIpSticky);
    assert.equal(have.flowTableLength, want.flowTableLength);
    assert.deepEqual([...have.ases.keys()].sort(), [...want.ases.keys()].sort());
    for (const a of want.ases.values()) {
      const h = have.ases.get(a.address);
      assert.equal(h?.weight, a.weight);
      if (a.flush) assert.equal(h?.flushed, true, "an owed flush was performed");
    }
  }
}

function shuffled<K, V>(m: ReadonlyMap<K, V>, seed: number): Map<K, V> {
  const entries = [...m.entries()];
  for (let i = entries.length - 1; i > 0; i--) {
    const j = (seed * (i + 7)) % (i + 1);
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return new Map(entries);
}

const RUNS = { numRuns: 300 };

describe("lb diff properties", () => {
  it("apply(diff(d, c), c) = d and one round converges", () => {
    fc.assert(
      fc.property(desiredArb, currentArb, (d, c) => {
        const r = apply(diff(d, c), c);
        assert.ok(r.ok, r.ok ? "" : `refused: ${JSON.stringify(r.error.error)}`);
        assertMatches(r.value, d);
        assert.deepEqual(diff(d, r.value), []);
      }),
      RUNS,
    );
  });
  it("diff(d, d) = []", () => {
    fc.assert(
      fc.property(desiredArb, (d) => diff(d, materialize(d)).length === 0),
      RUNS,
    );
  });
  it("is deterministic: insertion order of either side does not matter", () => {
    fc.assert(
      fc.property(desiredArb, currentArb, fc.nat(1000), (d, c, seed) => {
        const reordered = (s: LbState): LbState =>
          shuffled(new Map([...s].map(([k, v]) => [k, { ...v, ases: shuffled(v.ases, seed + 1) }])), seed);
        assert.deepEqual(diff(shuffled(d, seed), reordered(c)), diff(d, c));
      }),
      RUNS,
    );
  });
  it("issues AS ops of one kind in numeric IPv4-then-IPv6 order per VIP", () => {
    fc.assert(
      fc.property(desiredArb, currentArb, (d, c) => {
        const ops = diff(d, c);
        for (let i = 1; i < ops.length; i++) {
          const a = ops[i - 1]!;
          const b = ops[i]!;
          if (a.kind !== b.kind || a.kind === "vip-add" || a.kind === "vip-del") continue;
          if (b.kind === "vip-add" || b.kind === "vip-del" || vipKeyId(a.key) !== vipKeyId(b.key)) continue;
          assert.ok(compareIp(a.address, b.address) < 0, `${a.address} before ${b.address}`);
        }
      }),
      RUNS,
    );
  });
  it("a per-VIP diff touches only that VIP and fixes it", () => {
    fc.assert(
      fc.property(desiredArb, currentArb, (d, c) => {
        for (const id of d.keys()) {
          const ops = diffVip(d, c, id);
          assert.ok(ops.every((o) => vipKeyId(o.key) === id));
          const r = apply(ops, c);
          // A sibling VIP on the same prefix may still carry another encap: only the full sync resolves that.
          if (!r.ok) {
            assert.ok(["LB_E_ENCAP_CONFLICT", "LB_E_EXISTS"].includes(r.error.error.code));
            continue;
          }
          assert.deepEqual(diffVip(d, r.value, id), []);
        }
      }),
      RUNS,
    );
  });
});
