import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, it } from "node:test";
import { classifyError } from "../../../dataplane/probes/classify.js";
import { startDeadline } from "../../../dataplane/probes/deadline.js";
import { serverName } from "../../../dataplane/probes/http-common.js";
import {
  createIcmpProbe,
  type EchoReply,
  type EchoRequest,
  type Pinger,
} from "../../../dataplane/probes/icmp.js";

const never = new AbortController().signal;

/** A pinger that records requests and answers with `answer`. */
function fakePinger(answer: (req: EchoRequest, signal: AbortSignal) => Promise<EchoReply>) {
  const seen: EchoRequest[] = [];
  const pinger: Pinger = {
    echo(req, signal) {
      seen.push(req);
      return answer(req, signal);
    },
  };
  return { pinger, seen };
}

const icmp = (pinger: Pinger, timeoutMs = 100) =>
  createIcmpProbe({ pinger, timeoutMs, sourceIpv4: "192.0.2.10", sourceIpv6: "2001:db8::10" });

describe("ICMP probe over an injected Pinger", () => {
  it("a reply passes; the source address follows the target's family", async () => {
    const { pinger, seen } = fakePinger(async () => ({ ok: true, rttMs: 0.42 }));
    const r4 = await icmp(pinger).run({ address: "198.51.100.1" }, never);
    const r6 = await icmp(pinger).run({ address: "2001:db8::1" }, never);
    assert.equal(r4.ok && r6.ok, true);
    assert.match(r4.detail, /0\.42 ms/);
    assert.deepEqual(seen, [
      { address: "198.51.100.1", source: "192.0.2.10" },
      { address: "2001:db8::1", source: "2001:db8::10" },
    ]);
  });

  it("ICMP errors and socket errors map to unreachable and error", async () => {
    const u = fakePinger(async () => ({ ok: false, kind: "unreachable", detail: "host unreachable" }));
    assert.equal((await icmp(u.pinger).run({ address: "198.51.100.1" }, never)).code, "unreachable");
    const e = fakePinger(async () => ({ ok: false, kind: "error", detail: "EPERM" }));
    assert.equal((await icmp(e.pinger).run({ address: "198.51.100.1" }, never)).code, "error");
  });

  it("a rejecting or throwing pinger yields a coded failure, never an exception", async () => {
    const rejecting = fakePinger(() =>
      Promise.reject(Object.assign(new Error("nope"), { code: "EHOSTUNREACH" })),
    );
    assert.equal((await icmp(rejecting.pinger).run({ address: "198.51.100.1" }, never)).code, "unreachable");
    const throwing: Pinger = {
      echo() {
        throw new Error("addon not loaded");
      },
    };
    const r = await icmp(throwing).run({ address: "198.51.100.1" }, never);
    assert.equal(r.code, "error");
    assert.match(r.detail, /addon not loaded/);
  });

  it("a pinger that never answers and ignores its signal still ends at the deadline", async () => {
    let signalled: AbortSignal | undefined;
    const { pinger } = fakePinger((_req, signal) => {
      signalled = signal;
      return new Promise<EchoReply>(() => {});
    });
    const before = performance.now();
    const r = await icmp(pinger, 60).run({ address: "198.51.100.1" }, never);
    assert.equal(r.code, "timeout");
    assert.ok(performance.now() - before < 1000);
    assert.equal(signalled?.aborted, true, "the pinger was told to stop");
  });

  it("the owner's abort yields aborted", async () => {
    const owner = new AbortController();
    const { pinger } = fakePinger(() => new Promise<EchoReply>(() => {}));
    const pending = icmp(pinger, 5000).run({ address: "198.51.100.1" }, owner.signal);
    owner.abort();
    assert.equal((await pending).code, "aborted");
  });
});

describe("probe support", () => {
  it("classifies errno, TLS and parser errors", () => {
    const e = (code: string, message = "x", syscall?: string) =>
      Object.assign(new Error(message), syscall === undefined ? { code } : { code, syscall });
    const cases: [unknown, string][] = [
      [e("ECONNREFUSED", "connect ECONNREFUSED", "connect"), "refused"],
      [e("ECONNRESET", "read ECONNRESET", "read"), "reset"],
      [e("ECONNRESET", "socket hang up"), "closed"],
      [
        e("ECONNRESET", "Client network socket disconnected before secure TLS connection was established"),
        "tls-error",
      ],
      [e("EPIPE", "write EPIPE", "write"), "reset"],
      [e("EHOSTUNREACH", "x", "connect"), "unreachable"],
      [e("ENOTFOUND", "getaddrinfo ENOTFOUND", "getaddrinfo"), "dns"],
      [e("EADDRNOTAVAIL", "bind", "connect"), "bind-error"],
      [e("HPE_INVALID_CONSTANT"), "protocol-error"],
      [e("DEPTH_ZERO_SELF_SIGNED_CERT"), "tls-error"],
      [e("ERR_TLS_CERT_ALTNAME_INVALID"), "tls-error"],
      [e("ERR_SSL_WRONG_VERSION_NUMBER"), "tls-error"],
      [e("CERT_HAS_EXPIRED"), "tls-error"],
      [e("EWHATEVER"), "error"],
      [new Error("no code"), "error"],
      ["a string", "error"],
      [null, "error"],
    ];
    for (const [err, code] of cases)
      assert.equal(classifyError(err).code, code, String((err as Error)?.message));
    assert.ok(classifyError(new Error("y".repeat(1000))).detail.length <= 200);
  });

  it("a deadline reports timeout or aborted, and ignores the parent after dispose", async () => {
    const timed = startDeadline(never, 20);
    await once(timed.signal, "abort");
    assert.equal(timed.cause(), "timeout");
    timed.dispose();

    const parent = new AbortController();
    const d = startDeadline(parent.signal, 10_000);
    parent.abort();
    assert.equal(d.cause(), "aborted");
    assert.equal(d.signal.aborted, true);

    const early = startDeadline(AbortSignal.abort(), 10_000);
    assert.equal(early.cause(), "aborted");

    const parent2 = new AbortController();
    const disposed = startDeadline(parent2.signal, 10_000);
    disposed.dispose();
    parent2.abort();
    assert.equal(disposed.cause(), undefined);
  });

  it("SNI: explicit, else the Host header's name, never an address literal (RFC 6066 §3)", () => {
    assert.equal(serverName("sni.test", "host.test", "192.0.2.1"), "sni.test");
    assert.equal(serverName(undefined, "host.test:8443", "192.0.2.1"), "host.test");
    assert.equal(serverName(undefined, "[2001:db8::1]:443", "192.0.2.1"), "");
    assert.equal(serverName(undefined, undefined, "192.0.2.1"), "");
    assert.equal(serverName(undefined, undefined, "backend.test"), "backend.test");
  });
});
