import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { createTcpProbe, type TcpProbeOptions } from "../../../dataplane/probes/tcp.js";
import { closedPort, start, type Tracked } from "./servers.js";

const target = { address: "127.0.0.1" };
const never = new AbortController().signal;
const servers: Tracked[] = [];
async function serve(handler: (c: Socket) => void): Promise<Tracked> {
  const s = await start(createServer(handler));
  servers.push(s);
  return s;
}
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

function probe(port: number, extra: Partial<TcpProbeOptions> = {}) {
  return createTcpProbe({ port, timeoutMs: 200, ...extra });
}

/** A line server: answers each received chunk with `reply(chunk)`. */
const answering = (reply: (text: string) => string) => (c: Socket) =>
  c.on("data", (d) => c.write(reply(d.toString())));

describe("TCP probe against loopback servers", () => {
  it("connect-only passes on a listening port and closes the connection", async () => {
    const s = await serve((c) => c.resume());
    const r = await probe(s.port).run(target, never);
    assert.equal(r.ok, true);
    assert.equal(r.detail, "connected");
    await s.allClosed();
  });

  it("connect-only closes with a reset (no TIME_WAIT on the checker, like HAProxy); send-only closes gracefully", async () => {
    const ends: string[] = [];
    const s = await serve((c) => {
      c.on("error", (e: NodeJS.ErrnoException) => ends.push(e.code ?? "error"));
      c.on("end", () => ends.push("fin"));
      c.resume();
    });
    assert.equal((await probe(s.port).run(target, never)).ok, true);
    // The reset may come before the server accepts: then it never sees the
    // connection at all (as with HAProxy's layer-4 checks). Either way, no FIN.
    await s.allClosed(300, 1).catch(() => undefined);
    await s.allClosed();
    assert.ok(
      ends.every((e) => e === "ECONNRESET"),
      `ends: ${ends.join(",")}`,
    );
    const before = s.accepted.length;
    ends.length = 0;
    const sent = await probe(s.port, { send: "hello" }).run(target, never);
    assert.equal(sent.ok, true, sent.detail);
    await s.allClosed(1000, before + 1);
    assert.deepEqual(ends, ["fin"]);
  });

  it("a stopped server fails with refused", async () => {
    const r = await probe(await closedPort(createServer())).run(target, never);
    assert.equal(r.code, "refused");
  });

  it("send/expect: the expected answer passes", async () => {
    const s = await serve(answering((t) => (t === "PING\r\n" ? "+PONG\r\n" : "-ERR\r\n")));
    const r = await probe(s.port, { send: "PING\r\n", expect: "+PONG" }).run(target, never);
    assert.equal(r.ok, true, r.detail);
    await s.allClosed();
  });

  it("send/expect with bytes, answer split over several writes", async () => {
    const s = await serve((c) =>
      c.once("data", () => {
        c.write(Uint8Array.of(0xde, 0xad));
        setImmediate(() => c.write(Uint8Array.of(0xbe, 0xef, 0x00)));
      }),
    );
    const r = await probe(s.port, { send: Uint8Array.of(1), expect: Uint8Array.of(0xad, 0xbe, 0xef) }).run(
      target,
      never,
    );
    assert.equal(r.ok, true, r.detail);
    await s.allClosed();
  });

  it("a different answer fails with expect-mismatch once the read limit is reached", async () => {
    const s = await serve(answering(() => "-ERR unknown command\r\n".padEnd(64, ".")));
    const r = await probe(s.port, { send: "PING\r\n", expect: "+PONG", readLimit: 32, timeoutMs: 2000 }).run(
      target,
      never,
    );
    assert.equal(r.code, "expect-mismatch", r.detail);
    assert.ok(r.latencyMs < 1000);
    await s.allClosed();
  });

  it("a peer that closes after a wrong answer fails with expect-mismatch, one that says nothing with closed", async () => {
    const wrong = await serve((c) => c.once("data", () => c.end("-ERR\r\n")));
    const r1 = await probe(wrong.port, { send: "PING\r\n", expect: "+PONG" }).run(target, never);
    assert.equal(r1.code, "expect-mismatch", r1.detail);
    const mute = await serve((c) => c.once("data", () => c.end()));
    const r2 = await probe(mute.port, { send: "PING\r\n", expect: "+PONG" }).run(target, never);
    assert.equal(r2.code, "closed", r2.detail);
  });

  it("a silent server fails with timeout within the deadline", async () => {
    const s = await serve((c) => c.resume());
    const before = performance.now();
    const r = await probe(s.port, { send: "PING\r\n", expect: "+PONG", timeoutMs: 150 }).run(target, never);
    assert.equal(r.code, "timeout");
    assert.ok(performance.now() - before < 1000);
    await s.allClosed();
  });

  it("the owner's abort stops every probe running on its signal, before, between and after others finish", async () => {
    // A server that reads and never answers: send/expect probes wait until aborted or timed out.
    const s = await serve((c) => c.resume());
    const owner = new AbortController();
    const p = probe(s.port, { send: "ping", expect: "pong", timeoutMs: 5000 });
    const first = p.run(target, owner.signal);
    const quick = createTcpProbe({ port: s.port, timeoutMs: 200 }).run(target, owner.signal);
    const second = p.run(target, owner.signal);
    // A probe that finished on the signal leaves the others linked to it.
    assert.equal((await quick).code, "ok");
    const third = p.run(target, owner.signal);
    owner.abort();
    const codes = (await Promise.all([first, second, third])).map((r) => r.code);
    assert.deepEqual(codes, ["aborted", "aborted", "aborted"]);
    // An already aborted signal fails at once; a fresh one probes normally.
    assert.equal((await p.run(target, owner.signal)).code, "aborted");
    assert.equal((await createTcpProbe({ port: s.port, timeoutMs: 200 }).run(target, never)).code, "ok");
  });

  it("a TCP reset fails with reset", async () => {
    const s = await serve((c) => c.once("data", () => c.resetAndDestroy()));
    const r = await probe(s.port, { send: "PING\r\n", expect: "+PONG" }).run(target, never);
    assert.equal(r.code, "reset", r.detail);
  });

  it("send without expect passes once the bytes are written", async () => {
    const got: string[] = [];
    const s = await serve((c) => c.on("data", (d) => got.push(d.toString())));
    const r = await probe(s.port, { send: "hello" }).run(target, never);
    assert.equal(r.ok, true);
    await s.allClosed(1000, 1);
    assert.equal(got.join(""), "hello");
  });

  it("IPv6 loopback with an IPv6 source address (the IPv4 one is not used)", async () => {
    const s = await start(
      createServer((c) => c.resume()),
      "::1",
    );
    servers.push(s);
    const r = await probe(s.port, { sourceIpv4: "192.0.2.1", sourceIpv6: "::1" }).run(
      { address: "::1" },
      never,
    );
    assert.equal(r.ok, true, r.detail);
    await s.allClosed();
  });

  it("bad options throw at construction", () => {
    assert.throws(() => probe(70000), /port/);
    assert.throws(() => probe(80, { expect: "" }), /expect/);
    assert.throws(() => probe(80, { expect: "abcdef", readLimit: 3 }), /read limit/);
  });
});
