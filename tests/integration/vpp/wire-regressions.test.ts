/**
 * maglev-vpp §10 regressions observed on the wire, through the VPP adapter
 * and the emulator: what actually reaches VPP, in what order.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VppClient } from "../../../dataplane/vpp/client.js";
import * as M from "../../../dataplane/vpp/messages.js";
import { VppLbDataplane } from "../../../dataplane/vpp/vpp-lb-dataplane.js";
import { diff, ip } from "../../../protocols/lb/index.js";
import { desired, frontend, pool } from "../../unit/lb/builders.js";
import { until } from "../../unit/lb/dataplane-contract.js";
import { emulator, nextEvent } from "./helpers.js";

const FAST = { reconnectInitialMs: 10, reconnectMaxMs: 50, pingIntervalMs: 0, requestTimeoutMs: 1_000 };

describe("maglev-vpp §10 regressions on the wire", () => {
  it("§10.2: AS calls reach VPP in numeric IPv4-then-IPv6 order", async () => {
    const { emu, cleanup } = await emulator();
    const dp = new VppLbDataplane({ socketPath: emu.socketPath, ...FAST });
    try {
      await dp.start();
      await until(dp, "connected");
      const f = frontend("web", "2001:db8::80", [
        pool("p", [
          ["c", "10.0.0.10"],
          ["a", "10.0.0.9"],
          ["b", "10.0.0.100"],
        ]),
      ]);
      const r = await dp.apply(diff(desired([f], { a: "up", b: "up", c: "up" }), await dp.read()));
      assert.ok(r.ok);
      assert.deepEqual(emu.writes, [
        "vip+ 2001:db8::80:80",
        "as+ 2001:db8::80:80 10.0.0.9 w100",
        "as+ 2001:db8::80:80 10.0.0.10 w100",
        "as+ 2001:db8::80:80 10.0.0.100 w100",
      ]);
    } finally {
      await dp.stop();
      await cleanup();
    }
  });

  it("§10.5: a family flip recreates the VIP on the wire instead of wedging on -97", async () => {
    const { emu, cleanup } = await emulator();
    const dp = new VppLbDataplane({ socketPath: emu.socketPath, ...FAST });
    try {
      await dp.start();
      await until(dp, "connected");
      const v4 = frontend("web", "192.0.2.1", [pool("p", [["a", "10.0.0.1"]])]);
      await dp.apply(diff(desired([v4], { a: "up" }), await dp.read()));
      // What the pre-fix controller did: add a v6 AS to the GRE4 VIP.
      const naive = await dp.apply([
        {
          kind: "as-add",
          key: [...(await dp.read()).values()][0]!.key,
          address: ip("2001:db8::1"),
          weight: 100,
          flush: false,
          reason: "missing",
        },
      ]);
      assert.ok(!naive.ok && naive.error.retval === -97);
      const v6 = frontend("web", "192.0.2.1", [pool("p", [["a6", "2001:db8::1"]])]);
      emu.writes.length = 0;
      const r = await dp.apply(diff(desired([v6], { a6: "up" }), await dp.read()));
      assert.ok(r.ok);
      assert.deepEqual(emu.writes, [
        "as- 192.0.2.1:80 10.0.0.1 w0 F",
        "vip- 192.0.2.1:80",
        "vip+ 192.0.2.1:80",
        "as+ 192.0.2.1:80 2001:db8::1 w100",
      ]);
    } finally {
      await dp.stop();
      await cleanup();
    }
  });

  it("§10.11: a zero flow-table length takes VPP down (emulated) — the adapter always sends 1024", async () => {
    const { emu, cleanup } = await emulator();
    const c = new VppClient({ socketPath: emu.socketPath, ...FAST });
    try {
      c.start();
      await nextEvent(c, "connected");
      const down = nextEvent(c, "disconnected");
      const crash = c
        .call(M.LbAddDelVipV2, M.LbAddDelVipV2Reply, {
          pfx: { address: ip("192.0.2.1"), len: 32 },
          protocol: 6,
          port: 80,
          encap: 0,
          dscp: 0,
          type: 0,
          target_port: 0,
          node_port: 0,
          new_flows_table_length: 0,
          src_ip_sticky: false,
          is_del: false,
        })
        .catch((e: unknown) => e);
      await down;
      assert.equal(((await crash) as { code?: string }).code, "VPP_E_DISCONNECTED");
      await nextEvent(c, "connected");
    } finally {
      await c.stop();
      await cleanup();
    }
  });
});
