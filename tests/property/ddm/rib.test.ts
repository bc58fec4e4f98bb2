import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { Ipv6Addr, Ipv6Net } from "../../../protocols/ddm/ip.js";
import { DdmRib, type Nexthop, type RibOutcome } from "../../../protocols/ddm/rib.js";
import type { PathVector, TunnelOrigin } from "../../../protocols/ddm/types.js";

const HOST = "sw0";
const dests: Ipv6Net[] = ["fd00:1::", "fd00:2::", "fd00:3::"].map((a) => ({ addr: a as Ipv6Addr, len: 64 }));
const hops: Nexthop[] = [
  { addr: "fe80::a" as Ipv6Addr, ifName: "eth0" },
  { addr: "fe80::b" as Ipv6Addr, ifName: "eth1" },
  { addr: "fe80::a" as Ipv6Addr, ifName: "eth1" },
];
const pvArb: fc.Arbitrary<PathVector> = fc
  .tuple(
    fc.constantFrom(...dests),
    fc.array(fc.constantFrom("s1", "s2", "t1", HOST), { minLength: 1, maxLength: 3 }),
  )
  .map(([destination, path]) => ({ destination, path }));
const tunArb: fc.Arbitrary<TunnelOrigin> = fc
  .tuple(
    fc.constantFrom("fd00:aa::", "fd00:bb::"),
    fc.constantFrom("fd00:99::1", "fd00:99::2"),
    fc.constantFrom(0n, 1n, 7n),
  )
  .map(([p, b, metric]) => ({
    overlayPrefix: { family: 6 as const, addr: p as Ipv6Addr, len: 48 },
    boundaryAddr: b as Ipv6Addr,
    vni: 99,
    metric,
  }));

type Op =
  | {
      kind: "update";
      from: number;
      announce: PathVector[];
      withdraw: PathVector[];
      tAnnounce: TunnelOrigin[];
      tWithdraw: TunnelOrigin[];
    }
  | { kind: "sync"; from: number; underlay: PathVector[]; tunnel: TunnelOrigin[] }
  | { kind: "expire"; from: number };

const hopIdx = fc.integer({ min: 0, max: hops.length - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record(
    {
      kind: fc.constant("update" as const),
      from: hopIdx,
      announce: fc.array(pvArb, { maxLength: 4 }),
      withdraw: fc.array(pvArb, { maxLength: 4 }),
      tAnnounce: fc.array(tunArb, { maxLength: 2 }),
      tWithdraw: fc.array(tunArb, { maxLength: 2 }),
    },
    { noNullPrototype: true },
  ),
  fc.record(
    {
      kind: fc.constant("sync" as const),
      from: hopIdx,
      underlay: fc.array(pvArb, { maxLength: 4 }),
      tunnel: fc.array(tunArb, { maxLength: 2 }),
    },
    { noNullPrototype: true },
  ),
  fc.record({ kind: fc.constant("expire" as const), from: hopIdx }, { noNullPrototype: true }),
);

/** The reference model: plain sets of string keys, no indexes. */
class Model {
  routes = new Set<string>(); // dest|nh|path
  tunnels = new Map<string, TunnelOrigin & { nh: string }>();

  static nh = (i: number) => `${hops[i]!.addr}%${hops[i]!.ifName}`;
  static rk = (pv: PathVector, nh: string) => `${pv.destination.addr}|${nh}|${pv.path.join(",")}`;
  static tk = (t: TunnelOrigin, nh: string) => `${t.overlayPrefix.addr}|${t.boundaryAddr}|${t.metric}|${nh}`;

  apply(op: Op): void {
    const nh = Model.nh(op.from);
    const mine = (k: string) => k.split("|")[1] === nh;
    if (op.kind === "update") {
      for (const pv of op.announce) if (!pv.path.includes(HOST)) this.routes.add(Model.rk(pv, nh));
      for (const pv of op.withdraw) this.routes.delete(Model.rk(pv, nh));
      for (const t of op.tAnnounce) this.tunnels.set(Model.tk(t, nh), { ...t, nh });
      for (const t of op.tWithdraw) this.tunnels.delete(Model.tk(t, nh));
      return;
    }
    const keepR = new Set(
      op.kind === "sync" ? op.underlay.filter((p) => !p.path.includes(HOST)).map((p) => Model.rk(p, nh)) : [],
    );
    for (const k of [...this.routes]) if (mine(k) && !keepR.has(k)) this.routes.delete(k);
    for (const k of keepR) this.routes.add(k);
    for (const [k, t] of [...this.tunnels]) if (t.nh === nh) this.tunnels.delete(k);
    if (op.kind === "sync") for (const t of op.tunnel) this.tunnels.set(Model.tk(t, nh), { ...t, nh });
  }

  /** dest → sorted nexthop keys. */
  ecmp(): Map<string, string> {
    const m = new Map<string, Set<string>>();
    for (const k of this.routes) {
      const [d, nh] = k.split("|") as [string, string];
      m.set(d, (m.get(d) ?? new Set()).add(nh));
    }
    return new Map([...m].map(([d, s]) => [d, [...s].sort().join(" ")]));
  }

  /** The spec's effective-set rule, restated independently. */
  effective(): Set<string> {
    const out = new Set<string>();
    const all = [...this.tunnels.values()];
    for (const prefix of new Set(all.map((t) => t.overlayPrefix.addr))) {
      const group = all.filter((t) => t.overlayPrefix.addr === prefix);
      const active = group.some((t) => t.metric > 0n);
      for (const t of group) if (!active || t.metric > 0n) out.add(`${prefix}|${t.boundaryAddr}`);
    }
    return out;
  }
}

function run(rib: DdmRib, op: Op): RibOutcome {
  const from = hops[op.from]!;
  switch (op.kind) {
    case "update":
      return rib.applyUpdate(from, {
        underlay: { announce: op.announce, withdraw: op.withdraw },
        tunnel: { announce: op.tAnnounce, withdraw: op.tWithdraw },
      });
    case "sync":
      return rib.sync(from, { underlay: op.underlay, tunnel: op.tunnel });
    case "expire":
      return rib.expireNexthop(from);
  }
}

const nhKeys = (ns: readonly Nexthop[]) =>
  ns
    .map((n) => `${n.addr}%${n.ifName}`)
    .sort()
    .join(" ");

describe("ddm rib properties", () => {
  it("matches a set model; programmed FIB and tunnel deltas always add up to the RIB's view", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 25 }), (ops) => {
        const rib = new DdmRib({ hostname: HOST, kind: "transit" });
        const model = new Model();
        const fib = new Map<string, string>(); // what a dataplane fed only the deltas would hold
        const programmed = new Set<string>();
        for (const op of ops) {
          const o = run(rib, op);
          model.apply(op);
          for (const c of o.fib) {
            if (c.nexthops.length === 0) fib.delete(c.destination.addr);
            else fib.set(c.destination.addr, nhKeys(c.nexthops));
          }
          for (const t of o.tunnelRemove) programmed.delete(`${t.overlayPrefix.addr}|${t.boundaryAddr}`);
          for (const t of o.tunnelAdd) {
            assert.equal(t.metric, 0n);
            programmed.add(`${t.overlayPrefix.addr}|${t.boundaryAddr}`);
          }
          // Loop detection: nothing imported carries our hostname.
          for (const r of rib.routes()) assert.ok(!r.path.includes(HOST));
          // Routes equal the model's.
          const got = new Set(rib.routes().map((r) => Model.rk(r, `${r.nexthop.addr}%${r.nexthop.ifName}`)));
          assert.deepEqual(got, model.routes);
          // The ECMP set per destination equals the model's, and equals the sum of the deltas.
          const ecmp = model.ecmp();
          for (const d of dests) {
            assert.equal(nhKeys(rib.nexthops(d)), ecmp.get(d.addr) ?? "");
            assert.equal(fib.get(d.addr) ?? "", ecmp.get(d.addr) ?? "");
          }
          // The tunnel effective set equals the spec rule, and the sum of the deltas.
          const eff = new Set(rib.effectiveTunnels().map((t) => `${t.overlayPrefix.addr}|${t.boundaryAddr}`));
          assert.deepEqual(eff, model.effective());
          assert.deepEqual(programmed, eff);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("a withdraw removes exactly the route with the same destination, nexthop and path", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(pvArb, { minLength: 1, maxLength: 8, selector: (p) => Model.rk(p, "") }),
        hopIdx,
        fc.nat(),
        (pvs, h, pick) => {
          const clean = pvs.filter((p) => !p.path.includes(HOST));
          fc.pre(clean.length > 0);
          const rib = new DdmRib({ hostname: HOST, kind: "server" });
          rib.applyUpdate(hops[h]!, { underlay: { announce: clean, withdraw: [] }, tunnel: null });
          // The same vector withdrawn via another nexthop changes nothing.
          const victim = clean[pick % clean.length]!;
          const other = hops[(h + 1) % hops.length]!;
          assert.equal(
            rib.applyUpdate(other, { underlay: { announce: [], withdraw: [victim] }, tunnel: null }).removed
              .length,
            0,
          );
          const o = rib.applyUpdate(hops[h]!, {
            underlay: { announce: [], withdraw: [victim] },
            tunnel: null,
          });
          assert.deepEqual(
            o.removed.map((r) => [r.destination, r.path]),
            [[victim.destination, victim.path]],
          );
          assert.equal(rib.routes().length, clean.length - 1);
          // The nexthop leaves the destination only if no other path to it is left.
          const left = clean.filter((p) => p !== victim && p.destination === victim.destination).length;
          assert.equal(rib.nexthops(victim.destination).length, left > 0 ? 1 : 0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
