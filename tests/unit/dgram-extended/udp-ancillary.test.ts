/**
 * Ancillary data on loopback (no privileges needed): received TTL / hop
 * limit, destination, arrival interface, TOS / traffic class, and sending
 * from an explicit source address or interface (IP_PKTINFO, RFC 3542 §6).
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { DSCP, type UdpSocket, createUdpSocket } from "dgram-extended";
import { collect } from "./wait.js";

const families = [
  { family: 4 as const, loopback: "127.0.0.1", other: "127.0.0.2" },
  { family: 6 as const, loopback: "::1", other: undefined },
];

for (const f of families) {
  describe(`UDP IPv${f.family} ancillary data on loopback`, () => {
    const open: UdpSocket[] = [];
    const socket = (o: Parameters<typeof createUdpSocket>[0]): UdpSocket => {
      const s = createUdpSocket(o);
      open.push(s);
      return s;
    };
    after(() => {
      for (const s of open) s.close();
    });

    it("reports TTL / hop limit 254 and 255 as sent", async () => {
      const rx = socket({ family: f.family, address: f.loopback, port: 0 });
      const tx = socket({ family: f.family });
      const got = collect(rx, 2);
      tx.setTtl(254);
      tx.send(Buffer.from("a"), f.loopback, rx.address().port);
      tx.setTtl(255);
      tx.send(Buffer.from("b"), f.loopback, rx.address().port);
      const [a, b] = await got;
      assert.equal(a?.data.toString(), "a");
      assert.equal(a?.ttl, 254);
      assert.equal(b?.data.toString(), "b");
      assert.equal(b?.ttl, 255);
    });

    it("reports destination, arrival interface, source and DSCP CS6", async () => {
      const rx = socket({ family: f.family, port: 0 });
      const tx = socket({ family: f.family, address: f.loopback, port: 0, dscp: DSCP.CS6 });
      const got = collect(rx, 1);
      tx.send(Buffer.from("x"), f.loopback, rx.address().port);
      const [m] = await got;
      assert.ok(m);
      assert.equal(m.destination, f.loopback);
      assert.equal(m.ifname, "lo");
      assert.equal(m.ifindex, rx.interfaceIndex("lo"));
      assert.equal(m.address, f.loopback);
      assert.equal(m.port, tx.address().port);
      assert.equal(m.family, f.family);
      assert.equal(m.tos, DSCP.CS6 << 2);
      assert.equal(m.truncated, false);
      assert.equal(typeof m.receivedAt, "bigint");
    });

    it("sends through a chosen interface and source address (PKTINFO)", async () => {
      const rx = socket({ family: f.family, port: 0 });
      const tx = socket({ family: f.family });
      const source = f.other ?? f.loopback;
      const got = collect(rx, 1);
      tx.send(Buffer.from("s"), f.loopback, rx.address().port, { source, interface: "lo" });
      const [m] = await got;
      assert.equal(m?.address, source);
      assert.equal(m?.ifname, "lo");
    });

    it("marks datagrams longer than maxMessageSize as truncated", async () => {
      const rx = socket({ family: f.family, address: f.loopback, port: 0, maxMessageSize: 8 });
      const tx = socket({ family: f.family });
      const got = collect(rx, 1);
      tx.send(Buffer.alloc(100, 7), f.loopback, rx.address().port);
      const [m] = await got;
      assert.equal(m?.truncated, true);
      assert.equal(m?.data.length, 8);
      assert.equal(rx.stats().truncated, 1);
    });

    // lo carries no IPv6 multicast route; IPv6 groups are covered on veth in
    // tests/integration/dgram-extended.
    if (f.family === 4) {
      it("receives its own multicast on loopback when loop is on, with the group as destination", async () => {
        const group = "239.255.77.1";
        const rx = socket({ family: f.family, port: 0, reuseAddress: true });
        rx.addMembership(group, "lo");
        const tx = socket({
          family: f.family,
          multicastInterface: "lo",
          multicastLoop: true,
          multicastTtl: 1,
        });
        const got = collect(rx, 1);
        tx.send(Buffer.from("m"), group, rx.address().port);
        const [m] = await got;
        assert.equal(m?.destination, group);
        assert.equal(m?.ifname, "lo");
        assert.equal(m?.ttl, 1);
      });
    }
  });
}

describe("UDP dual-stack", () => {
  it("an IPv6 socket with ipv6Only false reports IPv4 datagrams in mapped form with their TTL", async () => {
    const rx = createUdpSocket({ family: 6, ipv6Only: false, address: "::", port: 0 });
    const tx = createUdpSocket({ family: 4, ttl: 254 });
    try {
      const got = collect(rx, 1);
      tx.send(Buffer.from("v4"), "127.0.0.1", rx.address().port);
      const [m] = await got;
      assert.equal(m?.address, "::ffff:127.0.0.1");
      assert.equal(m?.destination, "::ffff:127.0.0.1");
      assert.equal(m?.ttl, 254);
      assert.equal(m?.ifname, "lo");
    } finally {
      rx.close();
      tx.close();
    }
  });
});

describe("UDP sendMany", () => {
  it("sends a burst with one call and every datagram arrives in order", async () => {
    const rx = createUdpSocket({ family: 4, address: "127.0.0.1", port: 0 });
    const tx = createUdpSocket({ family: 4 });
    try {
      const got = collect(rx, 50);
      const burst = Array.from({ length: 50 }, (_, i) => Buffer.from(String(i)));
      assert.equal(tx.sendMany(burst, "127.0.0.1", rx.address().port), 50);
      const msgs = await got;
      assert.deepEqual(
        msgs.map((m) => m.data.toString()),
        burst.map((b) => b.toString()),
      );
    } finally {
      rx.close();
      tx.close();
    }
  });
});
