/**
 * The LbDataplane contract against VPP, i.e. the VPP adapter over the real
 * Unix socket to the emulator, plus VPP-only behaviours: the AS dump filter
 * bug, removed-awaiting-GC ASes, the VIP pool index scrape, the flush
 * memory reset on reconnect, and the -73 of §10.10 surfaced with its retval.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VppLbDataplane } from "../../../dataplane/vpp/vpp-lb-dataplane.js";
import * as M from "../../../dataplane/vpp/messages.js";
import { diff, hostVipKey, ip, vipKeyId } from "../../../protocols/lb/index.js";
import { desired, frontend, pool } from "../../unit/lb/builders.js";
import { runLbDataplaneContract, until } from "../../unit/lb/dataplane-contract.js";
import { emulator } from "./helpers.js";

const FAST = {
  reconnectInitialMs: 10,
  reconnectMaxMs: 50,
  pingIntervalMs: 50,
  pingTimeoutMs: 50,
  requestTimeoutMs: 1_000,
};

runLbDataplaneContract("vpp (emulator over the API socket)", async () => {
  const { emu, cleanup } = await emulator();
  const dp = new VppLbDataplane({ socketPath: emu.socketPath, ...FAST });
  return {
    dp,
    goDown: async () => {
      emu.silent = true;
      emu.dropConnections();
    },
    comeBack: async () => {
      emu.silent = false;
    },
    restartEmpty: async () => emu.restart(),
    cleanup,
  };
});

describe("vpp dataplane specifics", () => {
  const web = frontend("web", "192.0.2.1", [
    pool("p", [
      ["a", "10.0.0.1"],
      ["b", "10.0.0.2"],
    ]),
  ]);
  const webId = vipKeyId(hostVipKey(ip("192.0.2.1"), 6, 80));

  it("§10.12: reads ASes despite VPP's IPv4 dump filter bug and ignores removed slots", async () => {
    const { emu, cleanup } = await emulator();
    const dp = new VppLbDataplane({ socketPath: emu.socketPath, ...FAST });
    try {
      await dp.start();
      await until(dp, "connected");
      await dp.apply(diff(desired([web], { a: "up", b: "up" }), await dp.read()));
      // Demonstrate the quirk: an IPv4-filtered dump returns nothing at all.
      const filtered = await dp.client.dump(M.LbAsV2Dump, M.LbAsV2Details, {
        pfx: { address: ip("192.0.2.1"), len: 32 },
        protocol: 6,
        port: 80,
      });
      assert.equal(filtered.length, 0);
      // Drop b: VPP keeps its slot with USED cleared until GC; the adapter must not see it.
      const d2 = desired([frontend("web", "192.0.2.1", [pool("p", [["a", "10.0.0.1"]])])], { a: "up" });
      await dp.apply(diff(d2, await dp.read()));
      assert.equal(emu.as("192.0.2.1", 80, "10.0.0.2")?.used, false);
      const now = await dp.read();
      assert.deepEqual([...(now.get(webId)?.ases.keys() ?? [])], ["10.0.0.1"]);
      assert.equal(dp.poolIndexes.get(webId), 1);
      // Re-adding reuses the removed slot.
      assert.ok((await dp.apply(diff(desired([web], { a: "up", b: "up" }), now))).ok);
      assert.equal(emu.as("192.0.2.1", 80, "10.0.0.2")?.used, true);
    } finally {
      await dp.stop();
      await cleanup();
    }
  });

  it("sends the sticky-cache flush once, and once more after a reconnect (memory reset)", async () => {
    const { emu, cleanup } = await emulator();
    const dp = new VppLbDataplane({ socketPath: emu.socketPath, ...FAST });
    const two = frontend("web", "192.0.2.1", [
      pool("p1", [["a", "10.0.0.1"]]),
      pool("p2", [["b", "10.0.0.2"]]),
    ]);
    try {
      await dp.start();
      await until(dp, "connected");
      await dp.apply(diff(desired([two], { a: "up", b: "up" }), await dp.read()));
      const d = desired([two], { a: "up", b: "disabled" });
      await dp.apply(diff(d, await dp.read()));
      assert.equal(emu.as("192.0.2.1", 80, "10.0.0.2")?.flushes, 1);
      assert.deepEqual(diff(d, await dp.read()), []);
      const down = until(dp, "disconnected");
      emu.dropConnections();
      await down;
      await until(dp, "connected");
      const again = diff(d, await dp.read());
      assert.deepEqual(
        again.map((o) => o.kind === "as-set-weight" && o.flush),
        [true],
      );
      await dp.apply(again);
      assert.equal(emu.as("192.0.2.1", 80, "10.0.0.2")?.flushes, 2);
    } finally {
      await dp.stop();
      await cleanup();
    }
  });
});
