import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  apply,
  diff,
  diffVip,
  EMPTY_LB_STATE,
  hostVipKey,
  ip,
  type LbOp,
  materialize,
  vipKeyId,
} from "../../../protocols/lb/index.js";
import { ases, desired, frontend, lbState, pool } from "./builders.js";

/** Compact op text for readable expectations. */
function show(ops: readonly LbOp[]): string[] {
  return ops.map((o) => {
    const v = `${o.key.address}:${o.key.port}`;
    switch (o.kind) {
      case "vip-add":
        return `vip+ ${v} ${o.encap}${o.srcIpSticky ? " sticky" : ""}`;
      case "vip-del":
        return `vip- ${v}`;
      case "as-add":
        return `as+ ${v} ${o.address} w${o.weight}${o.flush ? " F" : ""}`;
      case "as-del":
        return `as- ${v} ${o.address}${o.flush ? " F" : ""}`;
      case "as-set-weight":
        return `w ${v} ${o.address} w${o.weight}${o.flush ? " F" : ""}`;
      default:
        return "?";
    }
  });
}

const web = (extra: Parameters<typeof frontend>[3] = {}) =>
  frontend(
    "web",
    "192.0.2.1",
    [
      pool("primary", [
        ["b10", "10.0.0.10"],
        ["b2", "10.0.0.2"],
      ]),
      pool("fallback", [["f", "10.0.1.1"]]),
    ],
    extra,
  );
const k = vipKeyId(hostVipKey(ip("192.0.2.1"), 6, 80));

describe("lb diff (§5.3, §5.4)", () => {
  it("creates a missing VIP, then its ASes in numeric order", () => {
    const d = desired([web()], { b10: "up", b2: "up", f: "up" });
    assert.deepEqual(show(diff(d, EMPTY_LB_STATE)), [
      "vip+ 192.0.2.1:80 gre4",
      "as+ 192.0.2.1:80 10.0.0.2 w100",
      "as+ 192.0.2.1:80 10.0.0.10 w100",
      "as+ 192.0.2.1:80 10.0.1.1 w0",
    ]);
  });
  it("is empty when the dataplane already matches", () => {
    const d = desired([web()], { b10: "up", b2: "down", f: "up" });
    assert.deepEqual(diff(d, materialize(d)), []);
  });
  it("adds before it re-weights before it deletes (make before break)", () => {
    const d = desired([web()], { b10: "up", b2: "up", f: "up" });
    const cur = lbState([
      {
        ...[...materialize(d).values()][0]!,
        ases: ases([
          ["10.0.0.10", 50],
          ["10.0.0.99", 100],
          ["10.0.1.1", 0],
        ]),
      },
    ]);
    assert.deepEqual(show(diff(d, cur)), [
      "as+ 192.0.2.1:80 10.0.0.2 w100",
      "w 192.0.2.1:80 10.0.0.10 w100",
      "as- 192.0.2.1:80 10.0.0.99 F",
    ]);
  });
  it("removes VIPs nobody wants in full scope, ASes flushed first", () => {
    const cur = materialize(desired([web()], { b10: "up" }));
    assert.deepEqual(show(diff(new Map(), cur)), [
      "as- 192.0.2.1:80 10.0.0.2 F",
      "as- 192.0.2.1:80 10.0.0.10 F",
      "as- 192.0.2.1:80 10.0.1.1 F",
      "vip- 192.0.2.1:80",
    ]);
  });
  it("never deletes or touches other VIPs in per-VIP scope", () => {
    const other = frontend("other", "192.0.2.9", [pool("p", [["x", "10.9.9.9"]])]);
    const cur = materialize(desired([other], { x: "up" }));
    const d = desired([web()], { b10: "up" });
    const ops = diffVip(d, cur, k);
    assert.ok(ops.every((o) => vipKeyId(o.key) === k));
    assert.equal(ops[0]?.kind, "vip-add");
  });
  it("honours an operator-forced flush of one AS", () => {
    const d = desired([web()], { b10: "up", b2: "up" });
    assert.deepEqual(show(diffVip(d, materialize(d), k, ip("10.0.0.2"))), ["w 192.0.2.1:80 10.0.0.2 w100 F"]);
  });
  it("converges in one round from an arbitrary foreign table", () => {
    const d = desired([web({ srcIpSticky: true })], { b10: "up", b2: "disabled", f: "down" });
    const cur = lbState([
      {
        key: hostVipKey(ip("192.0.2.1"), 6, 80),
        encap: "gre4",
        srcIpSticky: false,
        flowTableLength: 1024,
        ases: ases([["10.0.0.2", 10]]),
      },
      {
        key: hostVipKey(ip("192.0.2.77"), 17, 53),
        encap: "gre4",
        srcIpSticky: false,
        flowTableLength: 64,
        ases: ases([]),
      },
    ]);
    const r = apply(diff(d, cur), cur);
    assert.ok(r.ok);
    assert.deepEqual(diff(d, r.value), []);
  });
});
