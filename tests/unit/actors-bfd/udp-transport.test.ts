/**
 * The UDP transport on loopback (no privileges): senders use a source port in 49152–65535 that
 * rotates per bind (RFC 5881 §4), TTL 255 (RFC 5881 §5) and DSCP CS6; listeners report the
 * received TTL; errors are values, never throws.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type BfdDatagram,
  SOURCE_PORT_MAX,
  SOURCE_PORT_MIN,
  SourcePortAllocator,
  udpTransport,
} from "../../../dataplane/bfd/index.js";
import { createUdpSocket, type UdpMessage } from "dgram-extended";

function waitFor<T>(register: (resolve: (v: T) => void) => void, ms = 2000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("timed out")), ms);
    register((v) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

describe("source port allocator", () => {
  it("starts at 49152, stays in range and wraps from 65535", () => {
    const p = new SourcePortAllocator(SOURCE_PORT_MAX);
    assert.equal(p.next(), 65535);
    assert.equal(p.next(), 49152);
    const q = new SourcePortAllocator();
    for (let i = 0; i < 40_000; i++) {
      const n = q.next();
      assert.ok(n >= SOURCE_PORT_MIN && n <= SOURCE_PORT_MAX);
    }
  });
});

describe("UDP transport on loopback", () => {
  it("sends with TTL 255 and DSCP CS6 from a source port in range; a fresh bind takes a new port", async () => {
    const rx = createUdpSocket({ family: 4, address: "127.0.0.1", port: 0 });
    try {
      const port = rx.address().port;
      const t = udpTransport({ firstSourcePort: 50_000 });
      const s1 = t.sender({ family: 4, local: "127.0.0.1", peer: "127.0.0.1", port });
      assert.ok(s1.ok);
      const got = waitFor<UdpMessage>((resolve) => rx.once("message", resolve));
      assert.ok(s1.value.send(new Uint8Array([1, 2, 3])).ok);
      const m = await got;
      assert.equal(m.ttl, 255);
      assert.equal(m.tos, 0xc0, "DSCP CS6 (RFC 5881 §4)");
      assert.equal(m.port, s1.value.sourcePort);
      assert.ok(m.port >= SOURCE_PORT_MIN);
      const s2 = t.sender({ family: 4, local: "127.0.0.1", peer: "127.0.0.1", port });
      assert.ok(s2.ok);
      assert.notEqual(s2.value.sourcePort, s1.value.sourcePort);
      s1.value.close();
      s2.value.close();
      assert.equal(s1.value.send(new Uint8Array([1])).ok, false, "a closed socket reports an error value");
    } finally {
      rx.close();
    }
  });

  it("listens and reports the received TTL; a bind error is a value", async () => {
    const t = udpTransport();
    const l = t.listen({ family: 6, address: "::1", port: 0 });
    assert.ok(l.ok);
    const bad = t.listen({ family: 4, address: "192.0.2.1", port: 3784 });
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.equal(bad.error.code, "EADDRNOTAVAIL");
    l.value.close();
    const l2 = t.listen({ family: 4, address: "127.0.0.1", port: 0 });
    assert.ok(l2.ok);
    // Find the bound port through a probe socket: send from a TTL-7 socket to the listener.
    const probe = createUdpSocket({ family: 4, address: "127.0.0.1", port: 0 });
    const port = probe.address().port;
    probe.close();
    l2.value.close();
    const l3 = t.listen({ family: 4, address: "127.0.0.1", port });
    assert.ok(l3.ok);
    const got = waitFor<BfdDatagram>((resolve) => {
      l3.value.handler = resolve;
    });
    const tx = createUdpSocket({ family: 4, ttl: 7 });
    tx.send(new Uint8Array([9]), "127.0.0.1", port);
    const d = await got;
    assert.equal(d.ttl, 7);
    assert.equal(d.address, "127.0.0.1");
    tx.close();
    l3.value.close();
  });
});
