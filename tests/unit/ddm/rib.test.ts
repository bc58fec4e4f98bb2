import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Ipv6Addr, Ipv6Net } from "../../../protocols/ddm/ip.js";
import { type Nexthop, DdmRib } from "../../../protocols/ddm/rib.js";
import { effectiveSet } from "../../../protocols/ddm/tunnel.js";
import type { PathVector, TunnelOrigin, Update } from "../../../protocols/ddm/types.js";

const net = (s: string): Ipv6Net => {
  const [addr, len] = s.split("/");
  return { addr: addr as Ipv6Addr, len: Number(len) };
};
const nh = (addr: string, ifName = "eth0"): Nexthop => ({ addr: addr as Ipv6Addr, ifName });
const pv = (d: string, ...path: string[]): PathVector => ({ destination: net(d), path });
const announce = (...a: PathVector[]): Update => ({ underlay: { announce: a, withdraw: [] }, tunnel: null });
const withdraw = (...w: PathVector[]): Update => ({ underlay: { announce: [], withdraw: w }, tunnel: null });
const tun = (prefix: string, boundary: string, metric: bigint): TunnelOrigin => ({
  overlayPrefix: { family: 6, ...net(prefix) },
  boundaryAddr: boundary as Ipv6Addr,
  vni: 99,
  metric,
});

const A = nh("fe80::a");
const B = nh("fe80::b", "eth1");

describe("ddm rib: underlay (spec §1.3 handle_update)", () => {
  it("imports an announcement and programs its nexthop", () => {
    const rib = new DdmRib({ hostname: "sw0", kind: "server" });
    const o = rib.applyUpdate(A, announce(pv("fd00:1::/64", "sled1")));
    assert.equal(o.added.length, 1);
    assert.deepEqual(o.fib, [{ destination: net("fd00:1::/64"), nexthops: [A] }]);
    assert.equal(o.redistribute, null, "a server never redistributes");
  });

  it("keeps one route per path and programs each nexthop once (ECMP across peers)", () => {
    const rib = new DdmRib({ hostname: "sled9", kind: "server" });
    rib.applyUpdate(A, announce(pv("fd00:1::/64", "sled1", "sw0"), pv("fd00:1::/64", "sled1", "swX", "sw0")));
    const o = rib.applyUpdate(B, announce(pv("fd00:1::/64", "sled1", "sw1")));
    assert.equal(rib.routes().length, 3);
    assert.deepEqual(o.fib, [{ destination: net("fd00:1::/64"), nexthops: [A, B] }]);
  });

  it("withdraws only the matching path and keeps the nexthop while another path uses it (PR #66)", () => {
    const rib = new DdmRib({ hostname: "sled9", kind: "server" });
    rib.applyUpdate(A, announce(pv("fd00:1::/64", "sled1", "sw0"), pv("fd00:1::/64", "sled1", "swX", "sw0")));
    const o = rib.applyUpdate(A, withdraw(pv("fd00:1::/64", "sled1", "sw0")));
    assert.deepEqual(
      o.removed.map((r) => r.path),
      [["sled1", "sw0"]],
    );
    assert.deepEqual(o.fib, [], "the nexthop still has a path");
    const o2 = rib.applyUpdate(A, withdraw(pv("fd00:1::/64", "sled1", "swX", "sw0")));
    assert.deepEqual(o2.fib, [{ destination: net("fd00:1::/64"), nexthops: [] }]);
  });

  it("keeps many paths through one nexthop apart (past the inline array, by path key) and withdraws them one by one", () => {
    const rib = new DdmRib({ hostname: "t9", kind: "transit" });
    const paths = Array.from({ length: 20 }, (_, i) => pv("fd00:1::/64", "s1", `x${i}`));
    assert.equal(rib.applyUpdate(A, announce(...paths)).added.length, 20);
    assert.equal(rib.applyUpdate(A, announce(...paths)).added.length, 0, "a repeat adds nothing");
    // A path that differs only in order or length is another route.
    assert.equal(
      rib.applyUpdate(A, announce(pv("fd00:1::/64", "x0", "s1"), pv("fd00:1::/64", "s1"))).added.length,
      2,
    );
    assert.equal(rib.routes().length, 22);
    for (let i = 0; i < 19; i++) {
      const o = rib.applyUpdate(A, withdraw(paths[i] as PathVector));
      assert.equal(o.removed.length, 1);
      assert.deepEqual(o.fib, [], "other paths keep the nexthop");
    }
    // A sync listing one of the three left sweeps the other two, and the nexthop stays.
    const o = rib.sync(A, { underlay: [paths[19] as PathVector], tunnel: [] });
    assert.deepEqual(o.removed.map((r) => r.path.join(",")).sort(), ["s1", "x0,s1"]);
    assert.deepEqual(o.fib, []);
    assert.deepEqual(
      rib.pullResponseFor(B).underlay.map((x) => x.path.join(",")),
      ["s1,x19,t9"],
    );
    assert.deepEqual(rib.applyUpdate(A, withdraw(paths[19] as PathVector)).fib, [
      { destination: net("fd00:1::/64"), nexthops: [] },
    ]);
    assert.equal(rib.routes().length, 0);
  });

  it("lists a path offered by two nexthops once in a pull answer", () => {
    const rib = new DdmRib({ hostname: "t9", kind: "transit" });
    const C = nh("fe80::c", "eth2");
    rib.applyUpdate(A, announce(pv("fd00:1::/64", "s1")));
    rib.applyUpdate(B, announce(pv("fd00:1::/64", "s1"), pv("fd00:1::/64", "s2")));
    assert.deepEqual(
      rib
        .pullResponseFor(C)
        .underlay.map((x) => x.path.join(","))
        .sort(),
      ["s1,t9", "s2,t9"],
    );
    // Asked by A, A's own offer is left out but B's identical path is still listed.
    assert.deepEqual(
      rib
        .pullResponseFor(A)
        .underlay.map((x) => x.path.join(","))
        .sort(),
      ["s1,t9", "s2,t9"],
    );
  });

  it("treats the same link-local address on two interfaces as two nexthops", () => {
    const rib = new DdmRib({ hostname: "sw0", kind: "transit" });
    rib.applyUpdate(nh("fe80::1", "eth0"), announce(pv("fd00:1::/64", "s1")));
    rib.applyUpdate(nh("fe80::1", "eth1"), announce(pv("fd00:1::/64", "s1")));
    assert.equal(rib.nexthops(net("fd00:1::/64")).length, 2);
    rib.expireNexthop(nh("fe80::1", "eth0"));
    assert.deepEqual(rib.nexthops(net("fd00:1::/64")), [nh("fe80::1", "eth1")]);
  });

  it("drops and reports an announcement whose path already holds our hostname", () => {
    const rib = new DdmRib({ hostname: "sw0", kind: "transit" });
    const o = rib.applyUpdate(
      A,
      announce(pv("fd00:1::/64", "sled1", "sw0", "sw1"), pv("fd00:2::/64", "sled2")),
    );
    assert.deepEqual(o.loops, [pv("fd00:1::/64", "sled1", "sw0", "sw1")]);
    assert.equal(rib.routes().length, 1);
    assert.deepEqual(o.redistribute?.underlay?.announce, [pv("fd00:2::/64", "sled2", "sw0")]);
  });

  it("redistributes as a transit with its hostname appended to announces and withdraws", () => {
    const rib = new DdmRib({ hostname: "sw0", kind: "transit" });
    const o = rib.applyUpdate(A, {
      underlay: { announce: [pv("fd00:1::/64", "s1")], withdraw: [pv("fd00:2::/64", "s1")] },
      tunnel: null,
    });
    assert.deepEqual(o.redistribute, {
      underlay: { announce: [pv("fd00:1::/64", "s1", "sw0")], withdraw: [pv("fd00:2::/64", "s1", "sw0")] },
      tunnel: null,
    });
  });

  it("a transit sends on only announcements that added a route: a repeat (pull answer, then push) goes nowhere", () => {
    const rib = new DdmRib({ hostname: "sw0", kind: "transit" });
    const first = rib.applyUpdate(A, announce(pv("fd00:1::/64", "s1"), pv("fd00:2::/64", "s1")));
    assert.equal(first.redistribute?.underlay?.announce.length, 2);
    // The same table again by pull (a sync lists everything) and by push: nothing new.
    const pulled = rib.sync(A, { underlay: [pv("fd00:1::/64", "s1"), pv("fd00:2::/64", "s1")], tunnel: [] });
    assert.equal(pulled.redistribute, null);
    const again = rib.applyUpdate(A, announce(pv("fd00:1::/64", "s1"), pv("fd00:3::/64", "s1")));
    assert.deepEqual(again.redistribute?.underlay?.announce, [pv("fd00:3::/64", "s1", "sw0")]);
    // The same destination and path through another neighbour is a new route, and is sent on.
    const viaB = rib.applyUpdate(B, announce(pv("fd00:1::/64", "s1")));
    assert.deepEqual(viaB.redistribute?.underlay?.announce, [pv("fd00:1::/64", "s1", "sw0")]);
  });

  it("on peer expiry removes everything from that nexthop and, as a transit, forwards the withdraws", () => {
    const rib = new DdmRib({ hostname: "sw0", kind: "transit" });
    rib.applyUpdate(A, announce(pv("fd00:1::/64", "s1"), pv("fd00:3::/64", "s1")));
    rib.applyUpdate(B, announce(pv("fd00:2::/64", "s2")));
    const o = rib.expireNexthop(A);
    assert.equal(o.removed.length, 2);
    assert.deepEqual(
      rib.routes().map((r) => r.nexthop),
      [B],
    );
    assert.deepEqual(o.redistribute?.underlay?.withdraw, [
      pv("fd00:1::/64", "s1", "sw0"),
      pv("fd00:3::/64", "s1", "sw0"),
    ]);
  });

  it("sync reconciles: routes the peer no longer lists are withdrawn", () => {
    const rib = new DdmRib({ hostname: "sled9", kind: "server" });
    rib.applyUpdate(A, announce(pv("fd00:1::/64", "s1"), pv("fd00:2::/64", "s2")));
    rib.applyUpdate(B, announce(pv("fd00:2::/64", "s2")));
    const o = rib.sync(A, { underlay: [pv("fd00:2::/64", "s2"), pv("fd00:4::/64", "s4")], tunnel: [] });
    assert.deepEqual(
      o.removed.map((r) => r.destination),
      [net("fd00:1::/64")],
    );
    assert.deepEqual(
      o.added.map((r) => r.destination),
      [net("fd00:4::/64")],
    );
    assert.equal(rib.routes().length, 3, "B's route is untouched");
  });
});

describe("ddm rib: pull answers (spec §1.3 pull handler)", () => {
  it("a transit answers with imported routes not learned from the asker, hostname appended, plus its own", () => {
    const rib = new DdmRib({ hostname: "sw0", kind: "transit" });
    rib.originate([net("fd00:ff::/64")]);
    rib.applyUpdate(A, announce(pv("fd00:1::/64", "s1")));
    rib.applyUpdate(B, announce(pv("fd00:2::/64", "s2")));
    assert.deepEqual(rib.pullResponseFor(A), {
      underlay: [pv("fd00:2::/64", "s2", "sw0"), pv("fd00:ff::/64", "sw0")],
      tunnel: [],
    });
  });

  it("a server answers only with what it originates", () => {
    const rib = new DdmRib({ hostname: "s1", kind: "server" });
    rib.originate([net("fd00:1::/64")]);
    rib.applyUpdate(A, announce(pv("fd00:2::/64", "s2", "sw0")));
    const t = tun("fd00:aa::/48", "fd00:99::1", 5n);
    rib.originateTunnels([t]);
    assert.deepEqual(rib.pullResponseFor(B), { underlay: [pv("fd00:1::/64", "s1")], tunnel: [t] });
  });

  it("reports only newly originated and actually withdrawn prefixes", () => {
    const rib = new DdmRib({ hostname: "s1", kind: "server" });
    assert.equal(rib.originate([net("fd00:1::/64"), net("fd00:1::/64")]).length, 1);
    assert.equal(rib.originate([net("fd00:1::/64")]).length, 0);
    assert.equal(rib.withdrawOriginated([net("fd00:1::/64"), net("fd00:2::/64")]).length, 1);
  });
});

describe("ddm rib: tunnels (spec §1.3, PR #174)", () => {
  it("programs only metric>0 origins of a prefix when any exists, with the metric zeroed", () => {
    const active = tun("fd00:aa::/48", "fd00:99::1", 18446744073709551615n);
    const inactive = tun("fd00:aa::/48", "fd00:99::2", 0n);
    const rib = new DdmRib({ hostname: "s1", kind: "server" });
    const o1 = rib.applyUpdate(A, { underlay: null, tunnel: { announce: [inactive], withdraw: [] } });
    assert.deepEqual(o1.tunnelAdd, [inactive]);
    const o2 = rib.applyUpdate(B, { underlay: null, tunnel: { announce: [active], withdraw: [] } });
    assert.deepEqual(o2.tunnelAdd, [{ ...active, metric: 0n }]);
    assert.deepEqual(o2.tunnelRemove, [inactive]);
    const o3 = rib.expireNexthop(B);
    assert.deepEqual(o3.tunnelAdd, [inactive]);
    assert.deepEqual(o3.tunnelRemove, [{ ...active, metric: 0n }]);
  });

  it("withdraws a tunnel only on an exact match, metric included (spec §1.7)", () => {
    const rib = new DdmRib({ hostname: "s1", kind: "server" });
    rib.applyUpdate(A, {
      underlay: null,
      tunnel: { announce: [tun("fd00:aa::/48", "fd00:99::1", 5n)], withdraw: [] },
    });
    rib.applyUpdate(A, {
      underlay: null,
      tunnel: { announce: [], withdraw: [tun("fd00:aa::/48", "fd00:99::1", 6n)] },
    });
    assert.equal(rib.tunnelRoutes().length, 1);
  });

  it("computes the effective set per overlay prefix", () => {
    const eff = effectiveSet([
      tun("fd00:aa::/48", "fd00:99::1", 0n),
      tun("fd00:aa::/48", "fd00:99::2", 3n),
      tun("fd00:bb::/48", "fd00:99::1", 0n),
      tun("fd00:bb::/48", "fd00:99::2", 0n),
    ]);
    assert.deepEqual(
      [...eff.values()].map((t) => `${t.overlayPrefix.addr} ${t.boundaryAddr} ${t.metric}`),
      ["fd00:aa:: fd00:99::2 0", "fd00:bb:: fd00:99::1 0", "fd00:bb:: fd00:99::2 0"],
    );
  });
});
