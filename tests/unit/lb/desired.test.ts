import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  desiredState,
  desiredVip,
  evaluateFrontend,
  FLOW_TABLE_LENGTH,
  ip,
} from "../../../protocols/lb/index.js";
import { frontend, pool, states } from "./builders.js";

describe("lb desired VIP (§5.2)", () => {
  it("derives encap from the backends' family, not the VIP's", () => {
    const f = frontend("v6-vip-v4-be", "2001:db8::1", [pool("p", [["a", "198.51.100.10"]])]);
    const r = desiredVip(f, states({ a: "up" }));
    assert.ok(r.ok);
    assert.equal(r.value.encap, "gre4");
    assert.equal(r.value.key.prefixLen, 128);
  });
  it("uses the VIP family when a frontend has no backends", () => {
    const r = desiredVip(frontend("empty", "2001:db8::1", [pool("p", [])]), states({}));
    assert.ok(r.ok);
    assert.equal(r.value.encap, "gre6");
    assert.equal(r.value.ases.size, 0);
  });
  it("always asks for a 1024-entry flow table", () => {
    const r = desiredVip(frontend("f", "192.0.2.1", [pool("p", [["a", "10.0.0.1"]])]), states({}));
    assert.ok(r.ok);
    assert.equal(r.value.flowTableLength, FLOW_TABLE_LENGTH);
    assert.equal(FLOW_TABLE_LENGTH, 1024);
  });
  it("forces protocol 255 on an all-port VIP, as VPP does", () => {
    const r = desiredVip(frontend("f", "192.0.2.1", [pool("p", [])], { port: 0, protocol: 6 }), states({}));
    assert.ok(r.ok);
    assert.equal(r.value.key.protocol, 255);
  });
  it("refuses backends of mixed families", () => {
    const f = frontend("mix", "192.0.2.1", [
      pool("p", [["a", "10.0.0.1"]]),
      pool("q", [["b", "2001:db8::9"]]),
    ]);
    const r = desiredVip(f, states({}));
    assert.deepEqual(r, { ok: false, error: { code: "LB_E_MIXED_FAMILY", frontend: "mix" } });
  });
  it("holds ASes in numeric IPv4 order regardless of config order", () => {
    const f = frontend("f", "192.0.2.1", [
      pool("p", [
        ["c", "10.0.0.10"],
        ["a", "10.0.0.2"],
      ]),
      pool("q", [["b", "10.0.0.9"]]),
    ]);
    const r = desiredVip(f, states({}));
    assert.ok(r.ok);
    assert.deepEqual([...r.value.ases.keys()], ["10.0.0.2", "10.0.0.9", "10.0.0.10"]);
  });
  it("merges one backend listed in two pools: the active membership's weight wins", () => {
    const f = frontend("f", "192.0.2.1", [
      pool("p", [["a", "10.0.0.1", 0]]),
      pool("q", [["a", "10.0.0.1", 40]]),
    ]);
    const r = desiredVip(f, states({ a: "up" }));
    assert.ok(r.ok);
    assert.deepEqual(r.value.ases.get(ip("10.0.0.1")), { address: "10.0.0.1", weight: 40, flush: false });
  });
  it("leaves removed backends out so the diff deletes them", () => {
    const f = frontend("f", "192.0.2.1", [
      pool("p", [
        ["a", "10.0.0.1"],
        ["gone", "10.0.0.2"],
      ]),
    ]);
    const r = desiredVip(f, states({ a: "up", gone: "removed" }));
    assert.ok(r.ok);
    assert.deepEqual([...r.value.ases.keys()], ["10.0.0.1"]);
  });
  it("evaluates members with their pool, state and effective weight", () => {
    const f = frontend("f", "192.0.2.1", [
      pool("p", [["a", "10.0.0.1"]]),
      pool("q", [["b", "10.0.0.2", 30]]),
    ]);
    const e = evaluateFrontend(f, states({ a: "down", b: "up" }));
    assert.equal(e.activePool, 1);
    assert.equal(e.state, "up");
    assert.deepEqual(
      e.members.map((m) => [m.backend, m.pool, m.weight, m.flush]),
      [
        ["a", 0, 0, true],
        ["b", 1, 30, false],
      ],
    );
  });
  it("refuses two frontends with the same VIP key", () => {
    const a = frontend("a", "192.0.2.1", [pool("p", [])]);
    const b = frontend("b", "192.0.2.1", [pool("p", [])]);
    const r = desiredState([a, b], states({}));
    assert.ok(!r.ok && r.error.code === "LB_E_EXISTS");
  });
  it("refuses an all-port VIP next to a per-port VIP on one address", () => {
    const a = frontend("a", "192.0.2.1", [pool("p", [])], { port: 0 });
    const b = frontend("b", "192.0.2.1", [pool("p", [])], { port: 443 });
    const r = desiredState([a, b], states({}));
    assert.ok(!r.ok && r.error.code === "LB_E_EXISTS");
  });
});
