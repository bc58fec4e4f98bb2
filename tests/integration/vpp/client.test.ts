import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ip } from "../../../protocols/lb/ip.js";
import { VppClient } from "../../../dataplane/vpp/client.js";
import { VppError, vppRetval } from "../../../dataplane/vpp/errors.js";
import * as M from "../../../dataplane/vpp/messages.js";
import type { VppEmulator } from "../../fixtures/vpp/emulator.js";
import { emulator, nextEvent } from "./helpers.js";

const VIP = { pfx: { address: ip("192.0.2.1"), len: 32 }, protocol: 6, port: 80 };
const vipAdd = (
  fields: Partial<{ is_del: boolean; new_flows_table_length: number; encap: number }> = {},
) => ({
  ...VIP,
  encap: M.ENCAP_WIRE.gre4,
  dscp: 0,
  type: 0,
  target_port: 0,
  node_port: 0,
  new_flows_table_length: 1024,
  src_ip_sticky: false,
  is_del: false,
  ...fields,
});

describe("vpp client over the emulator socket", () => {
  let emu: VppEmulator;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ emu, cleanup } = await emulator());
  });
  after(async () => cleanup());

  it("connects, resolves the message table and pings", async () => {
    const c = new VppClient({ socketPath: emu.socketPath, pingIntervalMs: 0 });
    const connected = nextEvent(c, "connected");
    await c.connectOnce();
    const ev = await connected;
    assert.equal(ev.vpePid, emu.vpePid);
    assert.ok(ev.messages >= M.ALL_MESSAGES.length);
    assert.ok(c.connected && c.has(M.LbAsSetWeight));
    await c.stop();
    assert.ok(emu.received.includes("sockclnt_delete"));
  });

  it("surfaces VPP refusals as VPP_E_RETVAL with the retval", async () => {
    const c = new VppClient({ socketPath: emu.socketPath, pingIntervalMs: 0 });
    await c.connectOnce();
    await c.call(M.LbAddDelVipV2, M.LbAddDelVipV2Reply, vipAdd());
    const dup = await c.call(M.LbAddDelVipV2, M.LbAddDelVipV2Reply, vipAdd()).catch((e: unknown) => e);
    assert.ok(dup instanceof VppError && dup.code === "VPP_E_RETVAL");
    assert.equal(vppRetval(dup), -81);
    const gone = await c
      .call(M.LbAsSetWeight, M.LbAsSetWeightReply, {
        ...VIP,
        as_address: ip("10.0.0.1"),
        weight: 1,
        is_flush: false,
      })
      .catch((e: unknown) => e);
    assert.equal(vppRetval(gone), -6);
    await c.call(M.LbAddDelVipV2, M.LbAddDelVipV2Reply, vipAdd({ is_del: true }));
    await c.stop();
  });

  it("runs concurrent dumps on separate contexts, each closed by its control_ping", async () => {
    const c = new VppClient({ socketPath: emu.socketPath, pingIntervalMs: 0 });
    await c.connectOnce();
    await c.call(M.LbAddDelVipV2, M.LbAddDelVipV2Reply, vipAdd());
    const asAdd = (a: string) => ({ ...VIP, as_address: ip(a), weight: 10, is_del: false, is_flush: false });
    await c.call(M.LbAddDelAsV2, M.LbAddDelAsV2Reply, asAdd("10.0.0.1"));
    await c.call(M.LbAddDelAsV2, M.LbAddDelAsV2Reply, asAdd("10.0.0.2"));
    const all = { pfx: { address: ip("0.0.0.0"), len: 0 }, protocol: 0, port: 0 };
    const [vips, ases] = await Promise.all([
      c.dump(M.LbVipDump, M.LbVipDetails, { ...all, pfx_matcher_le: 0, pfx_matcher_ge: 0 }),
      c.dump(M.LbAsV2Dump, M.LbAsV2Details, all),
    ]);
    assert.equal(vips.length, 1);
    assert.deepEqual(
      ases.map((a) => [a.app_srv, a.weight]),
      [
        ["10.0.0.1", 10],
        ["10.0.0.2", 10],
      ],
    );
    const cli = await c.call(M.CliInband, M.CliInbandReply, { cmd: "show lb vips verbose" });
    assert.match(cli.reply, /ip4-gre4 \[1\] 192\.0\.2\.1\/32/);
    await c.call(M.LbAddDelVipV2, M.LbAddDelVipV2Reply, vipAdd({ is_del: true }));
    await c.stop();
  });

  it("answers VPP's memclnt_keepalive", async () => {
    const c = new VppClient({ socketPath: emu.socketPath, pingIntervalMs: 0 });
    await c.connectOnce();
    const seen = nextEvent(c, "keepalive");
    await emu.keepalive();
    await seen;
    await c.stop();
  });

  it("times a request out when VPP stays silent", async () => {
    const c = new VppClient({ socketPath: emu.socketPath, pingIntervalMs: 0, requestTimeoutMs: 50 });
    await c.connectOnce();
    emu.silent = true;
    try {
      const e = await c.call(M.LbConfGet, M.LbConfGetReply, {}).catch((x: unknown) => x);
      assert.ok(e instanceof VppError && e.code === "VPP_E_TIMEOUT");
    } finally {
      emu.silent = false;
    }
    await c.stop();
  });

  it("refuses to write while not connected", async () => {
    const c = new VppClient({ socketPath: emu.socketPath });
    await assert.rejects(() => c.call(M.LbConfGet, M.LbConfGetReply, {}), { code: "VPP_E_NOT_CONNECTED" });
  });

  it("fails to connect to a socket nobody listens on, with VPP_E_CONNECT", async () => {
    const c = new VppClient({ socketPath: `${emu.socketPath}.absent` });
    await assert.rejects(() => c.connectOnce(), { code: "VPP_E_CONNECT" });
  });
});

describe("vpp client against an older VPP", () => {
  it("refuses a VPP without lb_as_set_weight_2d89bdbd with VPP_E_MISSING_MESSAGE", async () => {
    const { emu, cleanup } = await emulator({ omit: [M.LbAsSetWeight.nameCrc, M.LbConfGetReply.nameCrc] });
    try {
      const c = new VppClient({ socketPath: emu.socketPath });
      const e = await c.connectOnce().catch((x: unknown) => x);
      assert.ok(e instanceof VppError && e.code === "VPP_E_MISSING_MESSAGE");
      assert.deepEqual(e.details["missing"], ["lb_conf_get_reply_923427ac", "lb_as_set_weight_2d89bdbd"]);
      assert.match(e.message, /lb_as_set_weight_2d89bdbd/);
      assert.equal(c.connected, false);
    } finally {
      await cleanup();
    }
  });
});

describe("vpp client reconnect", () => {
  it("reconnects after VPP restarts empty, and after liveness pings go unanswered", async () => {
    const { emu, cleanup } = await emulator();
    const c = new VppClient({
      socketPath: emu.socketPath,
      reconnectInitialMs: 10,
      reconnectMaxMs: 40,
      pingIntervalMs: 30,
      pingTimeoutMs: 30,
    });
    try {
      const first = nextEvent(c, "connected");
      c.start();
      await first;
      const down = nextEvent(c, "disconnected");
      const again = nextEvent(c, "connected");
      emu.restart();
      assert.equal((await down).code, "VPP_E_DISCONNECTED");
      assert.equal((await again).vpePid, emu.vpePid);
      // A hung VPP: pings time out, the client drops and comes back when VPP answers again.
      const hung = nextEvent(c, "disconnected");
      emu.silent = true;
      assert.equal((await hung).code, "VPP_E_TIMEOUT");
      const failed = nextEvent(c, "connect-failed");
      assert.ok((await failed).retryInMs <= 40);
      emu.silent = false;
      await nextEvent(c, "connected");
      assert.ok(c.connected);
    } finally {
      await c.stop();
      await cleanup();
    }
  });
});
