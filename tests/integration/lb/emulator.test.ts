/**
 * The LB reconciler against the VPP emulator over the real API socket: the
 * actors run on a virtual clock (warmup, drift and retry timers), the
 * dataplane is the production `VppLbDataplane` talking binary API frames to
 * `tests/fixtures/vpp/emulator.ts`. Each scenario is a regression from
 * maglev-vpp §10 or a §4.5/§5 rule.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { VppLbDataplane } from "../../../dataplane/vpp/vpp-lb-dataplane.js";
import { millis } from "../../../protocols/common/time.js";
import type { FrontendSpec } from "../../../protocols/lb/desired.js";
import { type IpAddr, ip } from "../../../protocols/lb/ip.js";
import type { VppEmulator } from "../../fixtures/vpp/emulator.js";
import { emulator } from "../vpp/helpers.js";
import { frontend, pool } from "../../unit/lb/builders.js";
import { type Harness, harness, metric, settings } from "../../unit/actors-lb/harness.js";

const GRE4 = 0;

function web(opts: { sticky?: boolean; v6?: boolean } = {}): FrontendSpec {
  return frontend(
    "web",
    "192.0.2.1",
    [
      pool("primary", [["a", opts.v6 === true ? "2001:db8::a" : "10.0.0.1"]]),
      pool("fallback", [["b", opts.v6 === true ? "2001:db8::b" : "10.0.0.2"]]),
    ],
    { srcIpSticky: opts.sticky ?? false },
  );
}
const api = frontend("api", "192.0.2.2", [pool("p", [["c", "10.0.1.1"]])], { port: 443 });

/** LB writes the emulator received (no reads). */
const lbWrites = (emu: VppEmulator): string[] => [...emu.writes];

function asWeights(emu: VppEmulator, vip: string, port: number): Record<string, number> {
  const v = emu.lb.vips.find((x) => x.pfx.address === (vip as IpAddr) && x.port === port);
  return Object.fromEntries((v?.ases ?? []).filter((a) => a.used).map((a) => [a.address, a.weight]));
}

describe("LB reconciler through the VPP emulator socket", () => {
  let emu: VppEmulator;
  let cleanup: () => Promise<void>;
  let h: Harness<VppLbDataplane> | undefined;

  beforeEach(async () => {
    ({ emu, cleanup } = await emulator());
  });
  afterEach(async () => {
    await h?.stop();
    h = undefined;
    await cleanup();
  });

  const start = async (
    frontends: readonly FrontendSpec[],
    states: Record<string, "up" | "down" | "unknown" | "disabled">,
    s = settings(),
  ): Promise<Harness<VppLbDataplane>> => {
    const dp = new VppLbDataplane({ socketPath: emu.socketPath, pingIntervalMs: 0, reconnectInitialMs: 50 });
    h = await harness({ frontends, states, settings: s, dp, retry: { initialMs: 1000, maxMs: 4000 } });
    return h;
  };

  it("a cold start does not touch (or empty) VIPs during warmup; released VIPs sync, the rest at the end", async () => {
    // What a previous run left in VPP: both VIPs serving.
    for (const [addr, port, as] of [
      ["192.0.2.1", 80, "10.0.0.1"],
      ["192.0.2.2", 443, "10.0.1.1"],
    ] as const) {
      assert.equal(emu.lb.addVip({ address: ip(addr), len: 32 }, 6, port, GRE4, false, 1024), 0);
      assert.equal(emu.lb.addAs({ address: ip(addr), len: 32 }, 6, port, ip(as), 100, false), 0);
    }
    const warm = settings({ warmup: { minDelay: millis(5_000), maxDelay: millis(30_000) } });
    const t = await start([web(), api], {}, warm);
    await t.until(() => t.dp.connected);
    for (let ms = 0; ms < 4_000; ms += 1_000) await t.advance(1_000);
    t.states.set("a", "up");
    t.states.set("b", "up");
    await t.advance(999);
    assert.deepEqual(lbWrites(emu), [], "no write in the hold window, even with backends known");
    await t.advance(1);
    await t.until(() => emu.writes.length > 0);
    assert.ok(
      emu.writes.every((w) => w.includes("192.0.2.1:80")),
      `only the released VIP is written: ${emu.writes.join(", ")}`,
    );
    await t.until(() => asWeights(emu, "192.0.2.1", 80)["10.0.0.2"] === 0);
    assert.deepEqual(asWeights(emu, "192.0.2.2", 443), { "10.0.1.1": 100 }, "unreleased VIP still serving");
    for (let ms = 0; ms < 25_000; ms += 5_000) await t.advance(5_000);
    await t.until(() => asWeights(emu, "192.0.2.2", 443)["10.0.1.1"] === 0);
  });

  it("§10.4: disabling a backend already drained by failover still sends the flush", async () => {
    const t = await start([web()], { a: "up", b: "up" });
    await t.until(() => asWeights(emu, "192.0.2.1", 80)["10.0.0.1"] === 100);
    assert.equal(asWeights(emu, "192.0.2.1", 80)["10.0.0.2"], 0, "fallback drained by failover");
    emu.writes.length = 0;
    t.states.set("b", "disabled");
    await t.until(() => emu.writes.length > 0);
    assert.deepEqual(lbWrites(emu), ["w 192.0.2.1:80 10.0.0.2 w0 F"]);
    assert.equal(emu.as("192.0.2.1", 80, "10.0.0.2")?.flushes, 1);
    // Sent once: the next full sync owes nothing.
    const r = await t.svc.sync();
    assert.deepEqual([r.ran, r.ops], [true, 0]);
  });

  it("flipping src-ip-sticky recreates the VIP; flipping the backends' family recreates it as GRE6", async () => {
    const t = await start([web()], { a: "up", b: "up" });
    await t.until(() => asWeights(emu, "192.0.2.1", 80)["10.0.0.1"] === 100);
    emu.writes.length = 0;
    await t.svc.apply({ frontends: [web({ sticky: true })], settings: settings() });
    await t.until(
      () => emu.lb.vips[0]?.srcIpSticky === true && emu.lb.vips[0].ases.filter((a) => a.used).length === 2,
    );
    assert.deepEqual(lbWrites(emu), [
      "as- 192.0.2.1:80 10.0.0.1 w0 F",
      "as- 192.0.2.1:80 10.0.0.2 w0 F",
      "vip- 192.0.2.1:80",
      "vip+ 192.0.2.1:80",
      "as+ 192.0.2.1:80 10.0.0.1 w100",
      "as+ 192.0.2.1:80 10.0.0.2 w0",
    ]);
    emu.writes.length = 0;
    t.states.set("a", "up");
    await t.svc.apply({ frontends: [web({ sticky: true, v6: true })], settings: settings() });
    await t.until(() => emu.lb.vips[0]?.encap === 1);
    await t.until(() => asWeights(emu, "192.0.2.1", 80)["2001:db8::a"] === 100);
    assert.ok(emu.writes.includes("vip- 192.0.2.1:80") && emu.writes.includes("vip+ 192.0.2.1:80"));
  });

  it("drift made directly in the emulator is repaired at the next sync", async () => {
    const t = await start([web(), api], { a: "up", b: "up", c: "up" });
    await t.until(() => asWeights(emu, "192.0.2.2", 443)["10.0.1.1"] === 100);
    const pfx = { address: ip("192.0.2.1"), len: 32 };
    assert.equal(emu.lb.setWeight(pfx, 6, 80, ip("10.0.0.1"), 3, false), 0);
    assert.equal(emu.lb.delAs({ address: ip("192.0.2.2"), len: 32 }, 6, 443, ip("10.0.1.1"), false), 0);
    await t.advance(29_000);
    assert.equal(asWeights(emu, "192.0.2.1", 80)["10.0.0.1"], 3, "untouched before the drift sync");
    await t.advance(1_000);
    await t.until(
      () =>
        asWeights(emu, "192.0.2.1", 80)["10.0.0.1"] === 100 &&
        asWeights(emu, "192.0.2.2", 443)["10.0.1.1"] === 100,
    );
  });

  it("an emulator restart (empty, new pid) triggers a full resync on reconnect", async () => {
    const t = await start([web(), api], { a: "up", b: "up", c: "up" });
    await t.until(() => emu.lb.vips.length === 2 && asWeights(emu, "192.0.2.2", 443)["10.0.1.1"] === 100);
    emu.restart();
    assert.equal(emu.lb.vips.length, 0);
    await t.until(
      () =>
        emu.lb.vips.length === 2 &&
        asWeights(emu, "192.0.2.1", 80)["10.0.0.1"] === 100 &&
        asWeights(emu, "192.0.2.2", 443)["10.0.1.1"] === 100,
      5_000,
    );
  });

  it("error replies are counted by code and retried until the dataplane converges", async () => {
    const t = await start([web()], { a: "up", b: "up" });
    await t.until(() => asWeights(emu, "192.0.2.1", 80)["10.0.0.1"] === 100);
    emu.failNext("lb_as_set_weight", -7, 2);
    t.states.set("a", "down");
    await t.until(
      async () =>
        (await metric(t.registry, "magnetite_lb_errors_total", { code: "LB_E_INVALID_VALUE" })) === 1,
    );
    assert.equal(asWeights(emu, "192.0.2.1", 80)["10.0.0.1"], 100);
    await t.advance(1_000);
    await t.until(
      async () =>
        (await metric(t.registry, "magnetite_lb_errors_total", { code: "LB_E_INVALID_VALUE" })) === 2,
    );
    await t.advance(2_000);
    await t.until(
      () =>
        asWeights(emu, "192.0.2.1", 80)["10.0.0.1"] === 0 &&
        asWeights(emu, "192.0.2.1", 80)["10.0.0.2"] === 100,
    );
    assert.deepEqual(
      emu.writes.filter((w) => w.startsWith("!")),
      ["! lb_as_set_weight -7", "! lb_as_set_weight -7"],
    );
    assert.equal(t.fatal.length, 0);
  });
});
