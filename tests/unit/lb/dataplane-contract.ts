/**
 * Reusable contract suite for `LbDataplane` (style guide rule 39): the same
 * behaviour is demanded of the in-memory dataplane and of VPP through the
 * emulator. A harness supplies the dataplane plus the two disturbances every
 * dataplane must survive: going down and restarting empty.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { LbDataplane, LbDataplaneEvent } from "../../../dataplane/lb-dataplane.js";
import {
  diff,
  type DesiredState,
  hostVipKey,
  ip,
  type LbOp,
  type LbState,
  vipKeyId,
} from "../../../protocols/lb/index.js";
import { desired, frontend, pool } from "./builders.js";

/** What a contract run needs from an implementation. */
export interface ContractHarness {
  readonly dp: LbDataplane;
  /** Make the dataplane unreachable (calls fail, `disconnected` is emitted). */
  goDown(): Promise<void>;
  /** Make it reachable again. */
  comeBack(): Promise<void>;
  /** The dataplane restarts with an empty table. */
  restartEmpty(): Promise<void>;
  cleanup(): Promise<void>;
}

/** Wait (bounded) until `dp` emits `kind`, or return at once if already in that state. */
export function until(dp: LbDataplane, kind: LbDataplaneEvent["kind"], timeoutMs = 3_000): Promise<void> {
  if ((kind === "connected") === dp.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      off();
      reject(new Error(`dataplane did not become ${kind} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = dp.onEvent((e) => {
      if (e.kind !== kind) return;
      clearTimeout(t);
      off();
      resolve();
    });
  });
}

async function sync(dp: LbDataplane, d: DesiredState): Promise<readonly LbOp[]> {
  const ops = diff(d, await dp.read());
  const r = await dp.apply(ops);
  assert.ok(r.ok, r.ok ? "" : `apply failed: ${JSON.stringify(r.error)}`);
  return ops;
}

const WEB = frontend("web", "192.0.2.1", [
  pool("primary", [
    ["a", "10.0.0.10"],
    ["b", "10.0.0.2"],
  ]),
  pool("fallback", [["c", "10.0.1.1"]]),
]);
const V6 = frontend("v6", "2001:db8::80", [pool("p", [["x", "198.51.100.7"]])], {
  port: 0,
  srcIpSticky: true,
});
const DNS = frontend("dns", "192.0.2.53", [pool("p", [["d", "2001:db8:1::53"]])], { protocol: 17, port: 53 });
const webId = vipKeyId(hostVipKey(ip("192.0.2.1"), 6, 80));

function weights(s: LbState, id: string): Record<string, number> {
  return Object.fromEntries([...(s.get(id)?.ases.values() ?? [])].map((a) => [a.address, a.weight]));
}

/** Run the contract against one implementation. */
export function runLbDataplaneContract(name: string, make: () => Promise<ContractHarness>): void {
  describe(`LbDataplane contract: ${name}`, () => {
    let h: ContractHarness;
    before(async () => {
      h = await make();
      await h.dp.start();
      await until(h.dp, "connected");
    });
    after(async () => {
      await h.dp.stop();
      await h.cleanup();
    });

    it("starts empty and connected", async () => {
      assert.equal(h.dp.connected, true);
      assert.equal((await h.dp.read()).size, 0);
    });

    it("round-trips a desired set: after one sync the diff is empty", async () => {
      const d = desired([WEB, V6, DNS], { a: "up", b: "up", c: "up", x: "up", d: "down" });
      await sync(h.dp, d);
      const now = await h.dp.read();
      assert.deepEqual(diff(d, now), []);
      assert.deepEqual(weights(now, webId), { "10.0.0.10": 100, "10.0.0.2": 100, "10.0.1.1": 0 });
      const v6 = now.get(vipKeyId(hostVipKey(ip("2001:db8::80"), 255, 0)));
      assert.equal(v6?.encap, "gre4");
      assert.equal(v6?.srcIpSticky, true);
      assert.equal(v6?.key.protocol, 255);
    });

    it("applies weight changes, flushes once, deletes ASes and recreates on a sticky flip", async () => {
      const d1 = desired([WEB, V6, DNS], { a: "down", b: "up", c: "disabled", x: "up", d: "down" });
      const ops1 = await sync(h.dp, d1);
      assert.ok(ops1.some((o) => o.kind === "as-set-weight" && o.flush && o.reason === "flush"));
      assert.deepEqual(diff(d1, await h.dp.read()), [], "the sticky-cache flush is not repeated");
      const smaller = frontend("web", "192.0.2.1", [pool("primary", [["b", "10.0.0.2"]])], {
        srcIpSticky: true,
      });
      const d2 = desired([smaller, V6, DNS], { b: "up", x: "up", d: "down" });
      const ops2 = await sync(h.dp, d2);
      assert.ok(ops2.some((o) => o.kind === "vip-del" && o.reason === "recreate-sticky"));
      const now = await h.dp.read();
      assert.deepEqual(weights(now, webId), { "10.0.0.2": 100 });
      assert.equal(now.get(webId)?.srcIpSticky, true);
      assert.deepEqual(diff(d2, now), []);
    });

    it("refuses with VPP's codes and retvals, reporting how far it got", async () => {
      const key = hostVipKey(ip("192.0.2.1"), 6, 80);
      const r = await h.dp.apply([
        { kind: "as-set-weight", key, address: ip("10.0.0.2"), weight: 7, flush: false, reason: "weight" },
        { kind: "as-add", key, address: ip("2001:db8::9"), weight: 1, flush: false, reason: "missing" },
      ]);
      assert.ok(!r.ok);
      assert.equal(r.applied, 1);
      assert.deepEqual([r.error.code, r.error.retval, r.error.index], ["LB_E_ADDRESS_FAMILY", -97, 1]);
      assert.equal(weights(await h.dp.read(), webId)["10.0.0.2"], 7, "the first op took effect");
      const cases: [LbOp, string, number][] = [
        [
          {
            kind: "vip-add",
            key,
            encap: "gre4",
            srcIpSticky: false,
            flowTableLength: 1024,
            reason: "missing",
          },
          "LB_E_EXISTS",
          -81,
        ],
        [
          {
            kind: "vip-add",
            key: hostVipKey(ip("192.0.2.1"), 6, 443),
            encap: "gre6",
            srcIpSticky: false,
            flowTableLength: 1024,
            reason: "missing",
          },
          "LB_E_ENCAP_CONFLICT",
          -73,
        ],
        [
          { kind: "as-set-weight", key, address: ip("10.9.9.9"), weight: 1, flush: false, reason: "weight" },
          "LB_E_NO_SUCH_ENTRY",
          -6,
        ],
        [
          { kind: "as-add", key, address: ip("10.0.0.2"), weight: 1, flush: false, reason: "missing" },
          "LB_E_EXISTS",
          -81,
        ],
        [
          { kind: "vip-del", key: hostVipKey(ip("192.0.2.99"), 6, 80), reason: "stale" },
          "LB_E_NO_SUCH_ENTRY",
          -6,
        ],
      ];
      for (const [op, code, retval] of cases) {
        const x = await h.dp.apply([op]);
        assert.ok(!x.ok, `${op.kind} should be refused`);
        assert.deepEqual([x.error.code, x.error.retval, x.applied], [code, retval, 0], op.kind);
      }
    });

    it("a full sync removes VIPs nobody wants", async () => {
      const d = desired([DNS], { d: "up" });
      await sync(h.dp, d);
      assert.deepEqual([...(await h.dp.read()).keys()], [...d.keys()]);
    });

    it("writes and reads the global LB settings, refusing bad bucket counts", async () => {
      const conf = {
        ip4SrcAddress: ip("192.0.2.254"),
        ip6SrcAddress: ip("2001:db8::fe"),
        stickyBucketsPerCore: 65536,
        flowTimeoutSeconds: 40,
      };
      await h.dp.writeConf(conf);
      assert.deepEqual(await h.dp.readConf(), conf);
      await assert.rejects(() => h.dp.writeConf({ ...conf, stickyBucketsPerCore: 1000 }), {
        code: "LB_E_INVALID_MEMORY_SIZE",
      });
    });

    it("reports LB_E_UNAVAILABLE while down and recovers", async () => {
      const down = until(h.dp, "disconnected");
      await h.goDown();
      await down;
      assert.equal(h.dp.connected, false);
      await assert.rejects(() => h.dp.read(), { code: "LB_E_UNAVAILABLE" });
      const key = hostVipKey(ip("192.0.2.53"), 17, 53);
      const r = await h.dp.apply([{ kind: "vip-del", key, reason: "stale" }]);
      assert.ok(!r.ok && r.error.code === "LB_E_UNAVAILABLE" && r.applied === 0);
      const up = until(h.dp, "connected");
      await h.comeBack();
      await up;
      assert.equal((await h.dp.read()).size, 1, "state survived the outage");
    });

    it("after a restart-empty the table is empty and one sync rebuilds it", async () => {
      const down = until(h.dp, "disconnected");
      await h.restartEmpty();
      await down;
      await until(h.dp, "connected");
      assert.equal((await h.dp.read()).size, 0);
      const d = desired([WEB], { a: "up", b: "up", c: "disabled" });
      await sync(h.dp, d);
      assert.deepEqual(diff(d, await h.dp.read()), []);
    });
  });
}
