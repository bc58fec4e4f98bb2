/**
 * ICMP echo against the real kernel: loopback, a peer namespace over veth,
 * an address nobody owns (times out), ping sockets where the namespace's
 * net.ipv4.ping_group_range allows them, raw sockets otherwise, and the error
 * when neither is permitted.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { type IcmpEchoSocket, type IcmpEchoOptions, createIcmpEchoSocket } from "dgram-extended";
import { skipUnless } from "../../support/env.js";
import { type NetnsLab, inNs } from "../../support/netns.js";
import { pairLab } from "./lab.js";

const skip = skipUnless({ root: true, commands: ["ip", "setpriv"] });

describe("ICMP echo", { skip }, () => {
  let lab: NetnsLab;
  let a = "";
  let pingNs = "";
  const sockets: IcmpEchoSocket[] = [];
  const open = (o: IcmpEchoOptions): IcmpEchoSocket => {
    const s = createIcmpEchoSocket(o);
    sockets.push(s);
    return s;
  };
  before(() => {
    const p = pairLab();
    lab = p.lab;
    a = p.a;
    pingNs = lab.addNamespace("dgxp");
    // Per-namespace sysctl: every group may open ping sockets here.
    inNs(pingNs, "sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647");
  });
  after(() => {
    for (const s of sockets) s.close();
    lab.destroy();
  });

  for (const [family, loopback, peer, nobody] of [
    [4, "127.0.0.1", "10.78.0.2", "10.78.0.99"],
    [6, "::1", "fd78::2", "fd78::99"],
  ] as const) {
    it(`IPv${family}: echo to ${loopback} succeeds with an RTT (auto mode)`, async () => {
      const s = open({ family });
      const r = await s.ping(loopback, { timeoutMs: 2000 });
      assert.equal(r.address, loopback);
      assert.ok(r.rttMs > 0 && r.rttMs < 2000, `rtt ${r.rttMs}`);
      assert.equal(r.bytes, 16);
      assert.equal(typeof r.ttl, "number");
    });

    it(`IPv${family}: a ping socket where ping_group_range allows it`, async () => {
      const s = open({ family, mode: "dgram", netns: pingNs });
      assert.equal(s.mode, "dgram");
      const r = await s.ping(loopback, { payload: Buffer.from("magnetite") });
      assert.equal(r.identifier, s.identifier);
      assert.equal(r.bytes, 9);
      const seqs = await Promise.all([s.ping(loopback), s.ping(loopback), s.ping(loopback)]);
      assert.deepEqual(
        seqs.map((x) => x.sequence),
        [r.sequence + 1, r.sequence + 2, r.sequence + 3],
      );
    });

    it(`IPv${family}: raw socket echo to ${peer} inside a namespace, with TTL and RTT`, async () => {
      const s = open({ family, mode: "raw", netns: a });
      assert.equal(s.mode, "raw");
      const r = await s.ping(peer, { timeoutMs: 2000 });
      assert.equal(r.address, peer);
      assert.equal(r.ttl, 64);
      assert.ok(r.rttMs > 0);
    });

    it(`IPv${family}: echo to ${nobody} (on the link, owned by nobody) times out`, async () => {
      const s = open({ family, netns: a });
      const started = process.hrtime.bigint();
      await assert.rejects(s.ping(nobody, { timeoutMs: 300 }), { code: "ETIMEDOUT", syscall: "ping" });
      const waited = Number(process.hrtime.bigint() - started) / 1e6;
      assert.ok(waited >= 290 && waited < 2000, `waited ${waited} ms`);
      assert.equal(s.pending, 0);
    });
  }

  it("close() rejects outstanding pings", async () => {
    const s = open({ family: 4, netns: a });
    const p = s.ping("10.78.0.99", { timeoutMs: 5000 });
    s.close();
    await assert.rejects(p, { code: "ERR_SOCKET_CLOSED" });
  });

  it("says clearly when neither a ping socket nor a raw socket is permitted", () => {
    // Default ping_group_range ("1 0": nobody) in a fresh namespace, and a
    // child without CAP_NET_RAW in its bounding set.
    const denyNs = lab.addNamespace("dgxd");
    const script = `
      import { createIcmpEchoSocket } from "dgram-extended";
      try { createIcmpEchoSocket({ family: 4 }); console.log(JSON.stringify({ opened: true })); }
      catch (e) { console.log(JSON.stringify({ code: e.code, syscall: e.syscall, message: e.message })); }
    `;
    const r = spawnSync(
      "ip",
      [
        "netns",
        "exec",
        denyNs,
        "setpriv",
        "--bounding-set=-net_raw",
        "--inh-caps=-net_raw",
        "--",
        process.execPath,
        "--input-type=module",
        "-e",
        script,
      ],
      { encoding: "utf8", timeout: 20_000, cwd: process.cwd() },
    );
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim()) as { code?: string; syscall?: string; message?: string };
    assert.equal(out.code, "EPERM");
    assert.equal(out.syscall, "socket");
    assert.match(out.message ?? "", /ping_group_range/);
    assert.match(out.message ?? "", /CAP_NET_RAW/);
  });
});
