import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryLbDataplane } from "../../../dataplane/memory/memory-lb-dataplane.js";
import { diff, hostVipKey, ip } from "../../../protocols/lb/index.js";
import { desired, frontend, pool } from "./builders.js";
import { runLbDataplaneContract } from "./dataplane-contract.js";

runLbDataplaneContract("memory", async () => {
  const dp = new MemoryLbDataplane();
  return {
    dp,
    goDown: async () => dp.setConnected(false),
    comeBack: async () => dp.setConnected(true),
    restartEmpty: async () => dp.restartEmpty(),
    cleanup: async () => undefined,
  };
});

describe("memory dataplane failure injection", () => {
  const d = desired(
    [
      frontend("web", "192.0.2.1", [
        pool("p", [
          ["a", "10.0.0.1"],
          ["b", "10.0.0.2"],
        ]),
      ]),
    ],
    {
      a: "up",
      b: "up",
    },
  );
  it("injects a VPP refusal at a chosen op, leaving earlier ops applied", async () => {
    const dp = new MemoryLbDataplane();
    await dp.start();
    dp.injectFailure({ atOp: 2, retval: -81 });
    const ops = diff(d, await dp.read());
    const r = await dp.apply(ops);
    assert.ok(!r.ok);
    assert.deepEqual([r.applied, r.error.code, r.error.retval, r.error.op], [2, "LB_E_EXISTS", -81, ops[2]]);
    assert.equal(dp.log.length, 2);
    // The next sync converges from wherever the failure left the table.
    const rest = diff(d, await dp.read());
    assert.equal(rest.length, 1);
    assert.ok((await dp.apply(rest)).ok);
    assert.deepEqual(diff(d, await dp.read()), []);
  });
  it("injects a transport failure as LB_E_UNAVAILABLE", async () => {
    const dp = new MemoryLbDataplane();
    await dp.start();
    dp.injectFailure({ atOp: 0 });
    const r = await dp.apply(diff(d, await dp.read()));
    assert.ok(!r.ok && r.error.code === "LB_E_UNAVAILABLE" && r.applied === 0);
    assert.equal((await dp.read()).size, 0);
  });
  it("stays down after stop", async () => {
    const dp = new MemoryLbDataplane();
    await dp.start();
    await dp.stop();
    dp.setConnected(true);
    assert.equal(dp.connected, false);
    const r = await dp.apply([{ kind: "vip-del", key: hostVipKey(ip("192.0.2.1"), 6, 80), reason: "stale" }]);
    assert.ok(!r.ok && r.error.code === "LB_E_UNAVAILABLE");
  });
});
