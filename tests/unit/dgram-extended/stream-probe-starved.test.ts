/**
 * The native stream-probe engine when the process is starved. libuv runs due
 * timers before it polls for I/O (timers → pending → idle/prepare → poll →
 * check), so after a long turn the engine's timer callback sees probes whose
 * deadline passed during the turn although their sockets became ready in it:
 * the handshake done by the kernel, the answer queued. Those must complete
 * normally, not time out; a probe that really got nothing still times out.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { after, describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import {
  finishStreamProbe,
  StreamEvent,
  StreamTarget,
  type StreamTargetOptions,
  startStreamProbe,
  streamProbeStats,
} from "dgram-extended";
import { checkPhase, spin } from "../probes/starve.js";

type Outcome = { events: StreamEvent[]; data: string };

/**
 * Starts a probe, then keeps the turn busy for `busyMs` before the loop can
 * run again; resolves with the events up to a final one or the first data
 * (after which the probe is finished with a reset).
 */
async function starvedProbe(
  options: StreamTargetOptions,
  timeoutMs: number,
  busyMs: number,
): Promise<Outcome> {
  const target = new StreamTarget(options);
  await checkPhase();
  const p = new Promise<Outcome>((resolve) => {
    const out: Outcome = { events: [], data: "" };
    let id = -1;
    id = startStreamProbe(target, timeoutMs, {
      onStreamEvent(event, data) {
        out.events.push(event);
        out.data += data.toString("latin1");
        if (event === StreamEvent.data) finishStreamProbe(id, "reset");
        resolve(out);
      },
    });
  });
  spin(busyMs);
  return p;
}

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

/** A loopback listener in this thread: the kernel completes handshakes without it running. */
async function listener(onConnection: (c: import("node:net").Socket) => void = (c) => c.resume()) {
  const server = createServer((c) => {
    c.on("error", () => undefined);
    onConnection(c);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const a = server.address();
  if (a === null || typeof a === "string") throw new Error("no port");
  return a.port;
}

/**
 * A loopback server on a worker thread that greets each connection with
 * `banner`: it has its own event loop, so it accepts and answers while this
 * thread's turn is busy.
 */
async function greeter(banner: string): Promise<{ port: number; stop: () => Promise<number> }> {
  const worker = new Worker(
    `const { parentPort } = require("node:worker_threads");
     const net = require("node:net");
     const server = net.createServer((c) => { c.on("error", () => {}); c.write(${JSON.stringify(banner)}); });
     server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));`,
    { eval: true },
  );
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return { port, stop: () => worker.terminate() };
}

describe("native stream probes in a starved process", () => {
  it("connect-only: a handshake completed during a long turn wins over a deadline that passed in it", async () => {
    const port = await listener();
    const out = await starvedProbe({ address: "127.0.0.1", port }, 50, 150);
    assert.deepEqual(out.events, [StreamEvent.connected]);
  });

  it("send without read: the request is written once the turn ends, not timed out", async () => {
    const received: string[] = [];
    const port = await listener((c) => c.on("data", (d) => received.push(d.toString("latin1"))));
    const out = await starvedProbe({ address: "127.0.0.1", port, send: Buffer.from("ping\n") }, 50, 150);
    assert.deepEqual(out.events, [StreamEvent.sent]);
    for (let i = 0; i < 100 && received.join("") !== "ping\n"; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(received.join(""), "ping\n");
  });

  it("read: an answer queued during a long turn is read, not timed out", async () => {
    const g = await greeter("220 ready\r\n");
    try {
      const out = await starvedProbe({ address: "127.0.0.1", port: g.port, read: true }, 50, 150);
      assert.deepEqual(out.events, [StreamEvent.data]);
      assert.equal(out.data, "220 ready\r\n");
      // With `until`: the held answer is released by the same look at the socket.
      const held = await starvedProbe(
        { address: "127.0.0.1", port: g.port, read: true, until: Buffer.from("\r\n") },
        50,
        150,
      );
      assert.deepEqual(held.events, [StreamEvent.data]);
      assert.equal(held.data, "220 ready\r\n");
    } finally {
      await g.stop();
    }
  });

  it("a silent server still times out after a long turn", async () => {
    const port = await listener();
    const out = await starvedProbe(
      { address: "127.0.0.1", port, send: Buffer.from("x"), read: true },
      50,
      150,
    );
    assert.deepEqual(out.events, [StreamEvent.timeout]);
  });

  it("300 due probes at once (more than one poll batch): the ready ones complete, the silent ones time out", async () => {
    const port = await listener();
    const g = await greeter("hello\n");
    const silent = await listener();
    try {
      const targets = [
        new StreamTarget({ address: "127.0.0.1", port }),
        new StreamTarget({ address: "127.0.0.1", port: g.port, read: true }),
        new StreamTarget({ address: "127.0.0.1", port: silent, send: Buffer.from("x"), read: true }),
      ];
      const outcomes: Promise<StreamEvent>[] = [];
      await checkPhase();
      for (let i = 0; i < 300; i++) {
        const target = targets[i % 3] as StreamTarget;
        outcomes.push(
          new Promise((resolve) => {
            let id = -1;
            id = startStreamProbe(target, 50, {
              onStreamEvent(event) {
                if (event === StreamEvent.data) finishStreamProbe(id, "reset");
                resolve(event);
              },
            });
          }),
        );
      }
      spin(250);
      const seen = await Promise.all(outcomes);
      const expected = [StreamEvent.connected, StreamEvent.data, StreamEvent.timeout];
      assert.deepEqual(
        seen.map((e, i) => (e === expected[i % 3] ? "ok" : `${i}: ${e}`)).filter((x) => x !== "ok"),
        [],
      );
      await checkPhase();
      assert.equal(streamProbeStats().inFlight, 0);
      assert.equal(streamProbeStats().open, 0);
    } finally {
      await g.stop();
    }
  });
});
