/**
 * One named test per upstream bug of maglev-vpp §10 that the LB core owns.
 * Bugs that cross into health checking and config (§10.3, 10, 15–20, 23)
 * are pinned in tests/unit/regressions; what reaches VPP on the wire
 * (§10.2, 5, 11, 12) in tests/integration/vpp. The full map is the table in
 * protocols/lb/README.md.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { millis } from "../../../protocols/common/time.js";
import {
  apply,
  DEFAULT_WARMUP,
  desiredState,
  desiredVip,
  diff,
  diffVip,
  EMPTY_LB_STATE,
  evaluateFrontend,
  hostVipKey,
  ip,
  type LbOp,
  materialize,
  vipKeyId,
  warmupStart,
  warmupStep,
} from "../../../protocols/lb/index.js";
import { desired, frontend, pool, states } from "./builders.js";

const VIP = "192.0.2.1";
const id = vipKeyId(hostVipKey(ip(VIP), 6, 80));
const twoTier = (opts: Parameters<typeof frontend>[3] = {}) =>
  frontend("web", VIP, [pool("primary", [["p", "10.0.0.1"]]), pool("fallback", [["s", "10.0.0.2"]])], opts);

function converge(d: ReturnType<typeof desired>, cur = EMPTY_LB_STATE) {
  const r = apply(diff(d, cur), cur);
  assert.ok(r.ok, "ops must apply cleanly");
  return r.value;
}

describe("maglev-vpp §10 regressions (LB core)", () => {
  it("§10.1: restart black-hole: nothing is written while every backend is still unknown", () => {
    let s = warmupStart(DEFAULT_WARMUP, millis(0));
    for (const t of [0, 1000, 4999]) {
      const r = warmupStep(s, { kind: "sync-vip", frontend: "web", allKnown: false }, millis(t));
      assert.ok(r.actions.every((a) => a.kind === "suppressed"));
      s = r.state;
    }
    const r = warmupStep(s, { kind: "sync-vip", frontend: "web", allKnown: false }, millis(6000));
    assert.deepEqual(r.actions, [{ kind: "suppressed", frontend: "web", reason: "not-ready" }]);
  });

  it("§10.2: AS order is numeric IPv4-then-IPv6 and independent of input order", () => {
    const addrs: [string, string][] = [
      ["a", "10.0.0.10"],
      ["b", "10.0.0.2"],
      ["c", "10.0.0.1"],
    ];
    const f1 = frontend("web", VIP, [pool("p", addrs)]);
    const f2 = frontend("web", VIP, [pool("p", [...addrs].reverse())]);
    const o1 = diff(desired([f1], {}), EMPTY_LB_STATE);
    const o2 = diff(desired([f2], {}), EMPTY_LB_STATE);
    assert.deepEqual(o1, o2);
    assert.deepEqual(
      o1.flatMap((o) => (o.kind === "as-add" ? [o.address] : [])),
      ["10.0.0.1", "10.0.0.2", "10.0.0.10"],
    );
  });

  it("§10.4: sticky-cache: a standby backend drained to 0 and then disabled still gets flushed", () => {
    const drained = converge(desired([twoTier()], { p: "up", s: "up" }));
    assert.equal(drained.get(id)?.ases.get(ip("10.0.0.2"))?.weight, 0);
    const ops = diff(desired([twoTier()], { p: "up", s: "disabled" }), drained);
    assert.deepEqual(
      ops.map((o) => [o.kind, o.kind === "as-set-weight" ? [o.address, o.weight, o.flush, o.reason] : []]),
      [["as-set-weight", ["10.0.0.2", 0, true, "flush"]]],
    );
    // Once flushed, the periodic sync does not repeat it.
    const after = apply(ops, drained);
    assert.ok(after.ok);
    assert.deepEqual(diff(desired([twoTier()], { p: "up", s: "disabled" }), after.value), []);
  });

  it("§10.5: address-family wedge: all backends v4 → v6 recreates the VIP with GRE6", () => {
    const v4 = converge(desired([frontend("web", VIP, [pool("p", [["a", "10.0.0.1"]])])], { a: "up" }));
    const d6 = desired([frontend("web", VIP, [pool("p", [["a6", "2001:db8::1"]])])], { a6: "up" });
    const ops = diff(d6, v4);
    assert.deepEqual(
      ops.map((o) => `${o.kind}:${o.reason}`),
      ["as-del:recreate-encap", "vip-del:recreate-encap", "vip-add:recreate-encap", "as-add:recreate-encap"],
    );
    const r = apply(ops, v4);
    assert.ok(r.ok);
    assert.equal(r.value.get(id)?.encap, "gre6");
  });

  it("§10.6: src-ip-sticky flip recreates the VIP: ASes deleted with flush, VIP deleted, re-added", () => {
    const plain = converge(desired([twoTier()], { p: "up", s: "up" }));
    const ops = diff(desired([twoTier({ srcIpSticky: true })], { p: "up", s: "up" }), plain);
    assert.deepEqual(
      ops.map((o) => [o.kind, "flush" in o ? o.flush : null]),
      [
        ["as-del", true],
        ["as-del", true],
        ["vip-del", null],
        ["vip-add", null],
        ["as-add", false],
        ["as-add", false],
      ],
    );
    const first = ops[3];
    assert.ok(first?.kind === "vip-add" && first.srcIpSticky && first.reason === "recreate-sticky");
  });

  it("§10.7: encap comes from the backends: a v6 VIP with v4 backends is GRE4", () => {
    const r = desiredVip(frontend("v6", "2001:db8::80", [pool("p", [["a", "10.0.0.1"]])]), states({}));
    assert.ok(r.ok && r.value.encap === "gre4");
    const applied = apply(
      diff(desired([frontend("v6", "2001:db8::80", [pool("p", [["a", "10.0.0.1"]])])], {}), EMPTY_LB_STATE),
      EMPTY_LB_STATE,
    );
    assert.ok(applied.ok, "VPP accepts v4 ASes under a GRE4 encap on a v6 VIP");
  });

  it("§10.8: a zero-weight primary pool does not keep the fallback idle", () => {
    const f = frontend("web", VIP, [
      pool("primary", [["p", "10.0.0.1", 0]]),
      pool("fallback", [["s", "10.0.0.2"]]),
    ]);
    const e = evaluateFrontend(f, states({ p: "up", s: "up" }));
    assert.equal(e.activePool, 1);
    assert.deepEqual(
      e.members.map((m) => m.weight),
      [0, 100],
    );
  });

  it("§10.9: a weight change (with optional flush) is one immediate per-VIP diff", () => {
    const before = converge(desired([twoTier()], { p: "up", s: "up" }));
    const changed = frontend("web", VIP, [
      pool("primary", [["p", "10.0.0.1", 30]]),
      pool("fallback", [["s", "10.0.0.2"]]),
    ]);
    const ops = diffVip(desired([changed], { p: "up", s: "up" }), before, id, ip("10.0.0.1"));
    assert.deepEqual(ops, [
      {
        kind: "as-set-weight",
        key: hostVipKey(ip(VIP), 6, 80),
        address: ip("10.0.0.1"),
        weight: 30,
        flush: true,
        reason: "weight",
      },
    ] satisfies LbOp[]);
  });

  it("§10.10: two frontends on one VIP address with different backend families are refused up front", () => {
    const a = frontend("a", VIP, [pool("p", [["x", "10.0.0.1"]])], { port: 80 });
    const b = frontend("b", VIP, [pool("p", [["y", "2001:db8::1"]])], { port: 443 });
    const r = desiredState([a, b], states({}));
    assert.ok(!r.ok && r.error.code === "LB_E_ENCAP_CONFLICT" && r.error.retval === -73);
  });

  it("§10.11: new_flows_table_length is always 1024, never 0", () => {
    const ops = diff(desired([twoTier()], {}), EMPTY_LB_STATE);
    const add = ops[0];
    assert.ok(add?.kind === "vip-add" && add.flowTableLength === 1024);
    const zero = apply([{ ...add, flowTableLength: 0 }], EMPTY_LB_STATE);
    assert.ok(!zero.ok && zero.error.error.retval === -70);
  });

  it("§10.21: flush-on-down (default on) hard-drains a backend that went down", () => {
    const up = converge(desired([twoTier()], { p: "up", s: "up" }));
    const ops = diff(desired([twoTier()], { p: "down", s: "up" }), up);
    assert.deepEqual(
      ops.map((o) => (o.kind === "as-set-weight" ? `${o.address} w${o.weight} ${o.flush}` : o.kind)),
      ["10.0.0.1 w0 true", "10.0.0.2 w100 false"],
    );
    const soft = diff(desired([twoTier({ flushOnDown: false })], { p: "down", s: "up" }), up);
    assert.ok(soft.every((o) => o.kind !== "as-set-weight" || !o.flush));
  });

  it("§10.22: frontend state follows effective weights: fallback serving ⇒ up, all drained ⇒ down", () => {
    assert.equal(evaluateFrontend(twoTier(), states({ p: "down", s: "up" })).state, "up");
    const zeroed = frontend("web", VIP, [pool("primary", [["p", "10.0.0.1", 0]])]);
    assert.equal(evaluateFrontend(zeroed, states({ p: "up" })).state, "down");
  });

  it("materialize(desired) needs no ops (no flush is re-sent forever)", () => {
    const d = desired([twoTier()], { p: "disabled", s: "down" });
    assert.deepEqual(diff(d, materialize(d)), []);
  });
});
