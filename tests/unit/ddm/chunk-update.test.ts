/**
 * Splitting large pushes (`chunkUpdate`): applying the chunks in order to a
 * RIB gives what applying the whole update gives, no chunk is over the
 * limit, and small updates go as they are.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  chunkUpdate,
  DdmRib,
  type Ipv6Addr,
  type Nexthop,
  type PathVector,
  type TunnelOrigin,
  type Update,
} from "../../../protocols/ddm/index.js";

const from: Nexthop = { addr: "fe80::1" as Ipv6Addr, ifName: "e0" };
const pv = (i: number, path = ["s1"]): PathVector => ({
  destination: { addr: `fd00:${i.toString(16)}::` as Ipv6Addr, len: 64 },
  path,
});
const tunnel = (i: number): TunnelOrigin => ({
  overlayPrefix: { family: 4, addr: `10.0.${i}.0` as never, len: 24 },
  boundaryAddr: "fd00::1" as Ipv6Addr,
  vni: i,
  metric: 0n,
});
const count = (u: Update) =>
  (u.underlay?.announce.length ?? 0) +
  (u.underlay?.withdraw.length ?? 0) +
  (u.tunnel?.announce.length ?? 0) +
  (u.tunnel?.withdraw.length ?? 0);

describe("ddm push chunking", () => {
  it("an update within the limit is returned as is", () => {
    const u: Update = { underlay: { announce: [pv(1)], withdraw: [] }, tunnel: null };
    assert.deepEqual(chunkUpdate(u, 10), [u]);
  });

  it("10,000 announces become 10 bodies of 1,000, in order, the null tunnel part kept null", () => {
    const all = Array.from({ length: 10_000 }, (_, i) => pv(i));
    const chunks = chunkUpdate({ underlay: { announce: all, withdraw: [] }, tunnel: null });
    assert.equal(chunks.length, 10);
    assert.ok(chunks.every((c) => c.tunnel === null && c.underlay?.announce.length === 1000));
    assert.deepEqual(
      chunks.flatMap((c) => c.underlay?.announce ?? []),
      all,
    );
  });

  it("announces go before withdraws and the tunnel part rides with the first chunk", () => {
    const u: Update = {
      underlay: { announce: [pv(1), pv(2), pv(3)], withdraw: [pv(1), pv(4)] },
      tunnel: { announce: [tunnel(1)], withdraw: [] },
    };
    const chunks = chunkUpdate(u, 2);
    assert.deepEqual(
      chunks.map((c) => [
        c.underlay?.announce.length,
        c.underlay?.withdraw.length,
        c.tunnel?.announce.length,
      ]),
      [
        [2, 0, 1],
        [1, 0, 0],
        [0, 2, 0],
      ],
    );
  });

  it("applying the chunks in order equals applying the whole update (RIB routes, FIB, redistribution)", () => {
    const arb = fc.record({
      announce: fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 40 }),
      withdraw: fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 40 }),
      tunnels: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 8 }),
      max: fc.integer({ min: 1, max: 12 }),
      seed: fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 20 }),
    });
    fc.assert(
      fc.property(arb, ({ announce, withdraw, tunnels, max, seed }) => {
        const u: Update = {
          underlay: { announce: announce.map((i) => pv(i)), withdraw: withdraw.map((i) => pv(i)) },
          tunnel: { announce: tunnels.map(tunnel), withdraw: [] },
        };
        const start: Update = { underlay: { announce: seed.map((i) => pv(i)), withdraw: [] }, tunnel: null };
        const whole = new DdmRib({ hostname: "t1", kind: "transit" });
        const split = new DdmRib({ hostname: "t1", kind: "transit" });
        whole.applyUpdate(from, start);
        split.applyUpdate(from, start);
        const w = whole.applyUpdate(from, u);
        const chunks = chunkUpdate(u, max);
        assert.ok(chunks.every((c) => count(c) <= 2 * max));
        const outs = chunks.map((c) => split.applyUpdate(from, c));
        assert.deepEqual(split.routes(), whole.routes());
        assert.deepEqual(split.fib(), whole.fib());
        assert.deepEqual(split.effectiveTunnels(), whole.effectiveTunnels());
        // What a transit forwards: the same vectors, in the same order.
        const fwd = (o: typeof w) => o.redistribute?.underlay;
        assert.deepEqual(
          outs.flatMap((o) => fwd(o)?.announce ?? []),
          fwd(w)?.announce ?? [],
        );
        assert.deepEqual(
          outs.flatMap((o) => fwd(o)?.withdraw ?? []),
          fwd(w)?.withdraw ?? [],
        );
      }),
      { numRuns: 300 },
    );
  });
});
