/**
 * UDP across real veth links in namespaces we create: per-datagram arrival
 * interface, destination and TTL; device binding; per-interface multicast;
 * %scope binding. Sockets are created inside the namespaces with the
 * `netns` option (setns around socket()).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type UdpSocket, type UdpSocketOptions, createUdpSocket } from "dgram-extended";
import { skipUnless } from "../../support/env.js";
import { collect } from "../../unit/dgram-extended/wait.js";
import { type TwoLinkLab, twoLinkLab } from "./lab.js";

const skip = skipUnless({ root: true, commands: ["ip"] });

describe("UDP over veth in namespaces", { skip }, () => {
  let env: TwoLinkLab;
  const sockets: UdpSocket[] = [];
  const open = (ns: string, o: UdpSocketOptions): UdpSocket => {
    const s = createUdpSocket({ ...o, netns: ns });
    sockets.push(s);
    return s;
  };
  before(() => {
    env = twoLinkLab();
  });
  after(() => {
    for (const s of sockets) s.close();
    env.lab.destroy();
  });

  for (const family of [4, 6] as const) {
    const addr = (link: 1 | 2, host: 1 | 2): string =>
      family === 4 ? env.v4(link, host) : env.v6(link, host);

    it(`IPv${family}: each datagram reports the interface it arrived on, its destination and TTL`, async () => {
      const rx = open(env.rx, { family, port: 0 });
      const tx = open(env.tx, { family });
      const port = rx.address().port;
      const got = collect(rx, 2);
      tx.setTtl(254);
      tx.send(Buffer.from("via1"), addr(1, 1), port);
      tx.setTtl(255);
      tx.send(Buffer.from("via2"), addr(2, 1), port);
      const byPayload = new Map((await got).map((m) => [m.data.toString(), m]));
      const m1 = byPayload.get("via1");
      const m2 = byPayload.get("via2");
      assert.equal(m1?.ifname, "a1");
      assert.equal(m1?.destination, addr(1, 1));
      assert.equal(m1?.address, addr(1, 2));
      assert.equal(m1?.ttl, 254);
      assert.equal(m1?.ifindex, rx.interfaceIndex("a1"));
      assert.equal(m2?.ifname, "a2");
      assert.equal(m2?.destination, addr(2, 1));
      assert.equal(m2?.address, addr(2, 2));
      assert.equal(m2?.ttl, 255);
    });

    it(`IPv${family}: a socket bound to one device does not receive what arrives on the other`, async () => {
      const onA1 = open(env.rx, { family, device: "a1", port: 0 });
      const port = onA1.address().port;
      // Same port on a2: allowed because the two sockets are bound to different devices.
      const onA2 = open(env.rx, { family, device: "a2", port });
      const tx = open(env.tx, { family });
      const a1Messages: string[] = [];
      onA1.on("message", (m) => a1Messages.push(m.data.toString()));
      const a2Got = collect(onA2, 1);
      tx.send(Buffer.from("for-a2"), addr(2, 1), port);
      assert.equal((await a2Got)[0]?.ifname, "a2");
      // A later datagram on a1 proves a1's queue holds nothing from a2 before it.
      const sentinel = collect(onA1, 1);
      tx.send(Buffer.from("sentinel"), addr(1, 1), port);
      await sentinel;
      assert.deepEqual(a1Messages, ["sentinel"]);
    });

    it(`IPv${family}: a multicast group joined on one interface is not received on the other`, async () => {
      const group = family === 4 ? "239.77.0.1" : "ff02::dd";
      const joined = open(env.rx, { family, port: 0, reuseAddress: true });
      const port = joined.address().port;
      joined.addMembership(group, "a1");
      // An observer on a2 proves the datagram did arrive there.
      const observer = open(env.rx, { family, port, reuseAddress: true, device: "a2" });
      observer.addMembership(group, "a2");
      const tx = open(env.tx, { family, multicastTtl: 1 });
      const seen: string[] = [];
      joined.on("message", (m) => {
        seen.push(m.data.toString());
        assert.equal(m.destination, group);
        assert.equal(m.ifname, "a1");
      });
      const observed = collect(observer, 1);
      tx.setMulticastInterface("b2");
      tx.send(Buffer.from("on-a2"), group, port);
      assert.equal((await observed)[0]?.ifname, "a2");
      const sentinel = collect(joined, 1);
      tx.setMulticastInterface("b1");
      tx.send(Buffer.from("on-a1"), group, port);
      await sentinel;
      assert.deepEqual(seen, ["on-a1"]);
      // IPv4: the kernel filters by interface (IP_MULTICAST_ALL off); IPv6 only
      // matches the group, so our per-interface filter dropped it.
      assert.equal(joined.stats().foreignMulticastDropped, family === 4 ? 0 : 1);
      joined.dropMembership(group, "a1");
    });
  }

  it("IPv6: binds to fe80::1%a1 and to ff02::dd%a1, replies carry scoped sources", async () => {
    const unicast = open(env.rx, { family: 6, address: "fe80::1%a1", port: 0 });
    const mcast = open(env.rx, { family: 6, address: "ff02::dd%a1", port: 0 });
    mcast.addMembership("ff02::dd", "a1");
    assert.equal(unicast.address().address, "fe80::1%a1");
    const tx = open(env.tx, { family: 6, address: "fe80::2%b1", port: 0, multicastTtl: 1 });
    const u = collect(unicast, 1);
    tx.send(Buffer.from("u"), "fe80::1%b1", unicast.address().port);
    const [mu] = await u;
    assert.equal(mu?.address, "fe80::2%a1");
    assert.equal(mu?.destination, "fe80::1");
    const m = collect(mcast, 1);
    tx.send(Buffer.from("m"), "ff02::dd%b1", mcast.address().port);
    const [mm] = await m;
    assert.equal(mm?.destination, "ff02::dd");
    assert.equal(mm?.ifname, "a1");
    assert.equal(mm?.address, "fe80::2%a1");
  });

  it("IPv4: sends through a chosen interface with PKTINFO", async () => {
    const rx = open(env.rx, { family: 4, port: 0 });
    const tx = open(env.tx, { family: 4 });
    const got = collect(rx, 1);
    // 10.77.2.1 is reached over b2 by route; pin the source to b2's address explicitly.
    tx.send(Buffer.from("p"), env.v4(2, 1), rx.address().port, { interface: "b2", source: env.v4(2, 2) });
    const [m] = await got;
    assert.equal(m?.address, env.v4(2, 2));
    assert.equal(m?.ifname, "a2");
  });
});
