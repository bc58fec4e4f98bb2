import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  apply,
  EMPTY_LB_STATE,
  hostVipKey,
  ip,
  type LbOp,
  LB_RETVAL,
  lbCodeForRetval,
  vipKeyId,
} from "../../../protocols/lb/index.js";

const k80 = hostVipKey(ip("192.0.2.1"), 6, 80);
const k443 = hostVipKey(ip("192.0.2.1"), 6, 443);
const kAll = hostVipKey(ip("192.0.2.1"), 6, 0);
const vipAdd = (key = k80, encap: "gre4" | "gre6" = "gre4", flowTableLength = 1024): LbOp => ({
  kind: "vip-add",
  key,
  encap,
  srcIpSticky: false,
  flowTableLength,
  reason: "missing",
});
const asAdd = (address: string, weight = 100, key = k80): LbOp => ({
  kind: "as-add",
  key,
  address: ip(address),
  weight,
  flush: false,
  reason: "missing",
});

function refusal(ops: LbOp[]): { code: string; retval: number; index: number } {
  const r = apply(ops, EMPTY_LB_STATE);
  assert.ok(!r.ok, "expected a refusal");
  return { code: r.error.error.code, retval: r.error.error.retval, index: r.error.error.index };
}

describe("lb apply model (VPP semantics, §6.4)", () => {
  it("adds a VIP and ASes", () => {
    const r = apply([vipAdd(), asAdd("10.0.0.1", 50)], EMPTY_LB_STATE);
    assert.ok(r.ok);
    assert.equal(r.value.get(vipKeyId(k80))?.ases.get(ip("10.0.0.1"))?.weight, 50);
  });
  it("refuses a duplicate VIP with -81", () => {
    assert.deepEqual(refusal([vipAdd(), vipAdd()]), { code: "LB_E_EXISTS", retval: -81, index: 1 });
  });
  it("refuses a second encap on one prefix with -73", () => {
    assert.deepEqual(refusal([vipAdd(), vipAdd(k443, "gre6")]), {
      code: "LB_E_ENCAP_CONFLICT",
      retval: -73,
      index: 1,
    });
  });
  it("refuses all-port next to per-port with -81", () => {
    assert.deepEqual(refusal([vipAdd(), vipAdd(kAll)]), { code: "LB_E_EXISTS", retval: -81, index: 1 });
  });
  it("refuses a non-power-of-two table with -70", () => {
    assert.deepEqual(refusal([vipAdd(k80, "gre4", 0)]), {
      code: "LB_E_INVALID_MEMORY_SIZE",
      retval: -70,
      index: 0,
    });
  });
  it("refuses an AS of the wrong family with -97", () => {
    assert.deepEqual(refusal([vipAdd(), asAdd("2001:db8::1")]), {
      code: "LB_E_ADDRESS_FAMILY",
      retval: -97,
      index: 1,
    });
  });
  it("refuses a duplicate live AS with -81 and an unknown one with -6", () => {
    assert.equal(refusal([vipAdd(), asAdd("10.0.0.1"), asAdd("10.0.0.1")]).retval, -81);
    const del: LbOp = { kind: "as-del", key: k80, address: ip("10.0.0.9"), flush: true, reason: "stale" };
    assert.equal(refusal([vipAdd(), del]).retval, -6);
    assert.equal(refusal([{ kind: "vip-del", key: k80, reason: "stale" }]).retval, -6);
  });
  it("refuses weight above 100 with -7", () => {
    assert.equal(refusal([vipAdd(), asAdd("10.0.0.1", 101)]).retval, -7);
  });
  it("reports the state reached before the refusal and never mutates its input", () => {
    const r = apply([vipAdd(), asAdd("10.0.0.1"), asAdd("2001:db8::1")], EMPTY_LB_STATE);
    assert.ok(!r.ok);
    assert.equal(r.error.state.get(vipKeyId(k80))?.ases.size, 1);
    assert.equal(EMPTY_LB_STATE.size, 0);
  });
  it("tracks flushed: set by a flush at weight 0, kept at 0, cleared by traffic", () => {
    const sw = (weight: number, flush: boolean): LbOp => ({
      kind: "as-set-weight",
      key: k80,
      address: ip("10.0.0.1"),
      weight,
      flush,
      reason: "weight",
    });
    const flushed = (ops: LbOp[]): boolean | undefined => {
      const r = apply([vipAdd(), asAdd("10.0.0.1"), ...ops], EMPTY_LB_STATE);
      assert.ok(r.ok);
      return r.value.get(vipKeyId(k80))?.ases.get(ip("10.0.0.1"))?.flushed;
    };
    assert.equal(flushed([sw(0, false)]), false);
    assert.equal(flushed([sw(0, true)]), true);
    assert.equal(flushed([sw(0, true), sw(0, false)]), true);
    assert.equal(flushed([sw(0, true), sw(10, false)]), false);
  });
  it("maps VPP retvals back to codes", () => {
    for (const [code, rv] of Object.entries(LB_RETVAL)) assert.equal(lbCodeForRetval(rv), code);
    assert.equal(lbCodeForRetval(-1), "LB_E_DATAPLANE_ERROR");
  });
});
