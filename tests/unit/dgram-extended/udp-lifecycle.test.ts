/**
 * Errors are Node-style (code, errno, syscall, address/port), close() is
 * idempotent, and nothing a listener throws escapes into the event loop.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, it } from "node:test";
import { type SystemError, createUdpSocket, isSystemError, nativeStats } from "dgram-extended";
import { collect } from "./wait.js";

function systemError(fn: () => unknown): SystemError {
  try {
    fn();
  } catch (e) {
    if (isSystemError(e)) return e;
    throw e;
  }
  assert.fail("expected a throw");
}

describe("UDP errors", () => {
  for (const [family, host] of [
    [4, "127.0.0.1"],
    [6, "::1"],
  ] as const) {
    it(`EADDRINUSE on IPv${family} carries code, errno, syscall, address and port`, () => {
      const a = createUdpSocket({ family, address: host, port: 0 });
      try {
        const port = a.address().port;
        const e = systemError(() => createUdpSocket({ family, address: host, port }));
        assert.equal(e.code, "EADDRINUSE");
        assert.equal(e.syscall, "bind");
        assert.equal(e.errno, -98);
        assert.equal(e.address, host);
        assert.equal(e.port, port);
        assert.match(e.message, /^bind EADDRINUSE/);
      } finally {
        a.close();
      }
    });

    it(`SO_REUSEPORT lets two IPv${family} sockets share a port`, () => {
      const a = createUdpSocket({ family, address: host, port: 0, reusePort: true });
      const b = createUdpSocket({ family, address: host, port: a.address().port, reusePort: true });
      assert.equal(b.address().port, a.address().port);
      a.close();
      b.close();
    });
  }

  it("a failed creation leaves no descriptor open", () => {
    const before = nativeStats().open;
    const e = systemError(() => createUdpSocket({ family: 4, device: "nosuchdev0" }));
    assert.ok(e.code === "ENODEV" || e.code === "EPERM", e.code);
    assert.equal(nativeStats().open, before);
  });

  it("an unknown %scope interface is ENODEV", () => {
    const e = systemError(() => createUdpSocket({ family: 6, address: "fe80::1%nosuchdev0", port: 0 }));
    assert.equal(e.code, "ENODEV");
  });

  it("a bad address is EINVAL and a bad port a RangeError", () => {
    const s = createUdpSocket({ family: 4 });
    try {
      assert.equal(systemError(() => s.send(Buffer.from("x"), "not-an-ip", 9)).code, "EINVAL");
      assert.throws(() => s.send(Buffer.from("x"), "127.0.0.1", 70000), RangeError);
      assert.throws(() => s.setTtl(0), { code: "ERR_OUT_OF_RANGE" });
    } finally {
      s.close();
    }
  });
});

describe("UDP lifecycle", () => {
  it("close() is idempotent and emits close once", async () => {
    const s = createUdpSocket({ family: 4, address: "127.0.0.1", port: 0 });
    let closes = 0;
    s.on("close", () => {
      closes += 1;
    });
    s.close();
    s.close();
    await once(s, "close");
    s.close();
    await new Promise((r) => setImmediate(r));
    assert.equal(closes, 1);
    assert.equal(s.closed, true);
    assert.throws(() => s.send(Buffer.from("x"), "127.0.0.1", 9), { code: "ERR_SOCKET_CLOSED" });
  });

  it("a throwing message listener becomes an error event and delivery goes on", async () => {
    const rx = createUdpSocket({ family: 4, address: "127.0.0.1", port: 0 });
    const tx = createUdpSocket({ family: 4 });
    try {
      const errors: Error[] = [];
      rx.on("error", (e) => errors.push(e));
      // Registered first: EventEmitter skips later listeners of a message whose listener threw.
      const got = collect(rx, 2);
      let first = true;
      rx.on("message", () => {
        if (first) {
          first = false;
          throw new Error("listener bug");
        }
      });
      tx.send(Buffer.from("1"), "127.0.0.1", rx.address().port);
      tx.send(Buffer.from("2"), "127.0.0.1", rx.address().port);
      await got;
      assert.equal(errors.length, 1);
      assert.equal((errors[0] as SystemError).code, "ERR_DGRAM_EXT_LISTENER");
      assert.equal(nativeStats().swallowed, 0);
    } finally {
      rx.close();
      tx.close();
    }
  });

  it("with no error listener a listener exception becomes a process warning, not a crash", async () => {
    const rx = createUdpSocket({ family: 4, address: "127.0.0.1", port: 0 });
    const tx = createUdpSocket({ family: 4 });
    const warned = once(process, "warning");
    try {
      rx.on("message", () => {
        throw new Error("unhandled listener bug");
      });
      tx.send(Buffer.from("1"), "127.0.0.1", rx.address().port);
      const [w] = (await warned) as [SystemError];
      assert.equal(w.code, "ERR_DGRAM_EXT_LISTENER");
    } finally {
      rx.close();
      tx.close();
    }
  });

  it("closing from inside a message listener stops delivery of the rest of the batch", async () => {
    const rx = createUdpSocket({ family: 4, address: "127.0.0.1", port: 0 });
    const tx = createUdpSocket({ family: 4 });
    let seen = 0;
    rx.on("message", () => {
      seen += 1;
      rx.close();
    });
    tx.sendMany(
      Array.from({ length: 10 }, () => Buffer.from("z")),
      "127.0.0.1",
      rx.address().port,
    );
    await once(rx, "close");
    tx.close();
    assert.equal(seen, 1);
  });
});
