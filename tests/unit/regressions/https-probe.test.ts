/**
 * maglev-vpp §10.19: upstream's HTTPS probe wrapped TLS twice (an
 * `https://` request over a connection that was already TLS). Pinned at the
 * byte level: a loopback TLS server looks at the first plaintext bytes the
 * probe sends after the handshake. One TLS layer means they are an HTTP
 * request line; a second layer would start with a TLS record (0x16,
 * handshake, RFC 8446 §5.1) instead. The certificate is made with openssl at
 * test time (as tests/integration/probes does).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createServer, type TLSSocket } from "node:tls";
import { createHttpsProbe } from "../../../dataplane/probes/https.js";
import { parseStatusSet } from "../../../protocols/health/status-set.js";
import { skipUnless } from "../../support/env.js";

function selfSigned(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), "magnetite-r19-"));
  try {
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
        ...["-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=r19.test"],
      ],
      { stdio: "ignore", timeout: 10_000 },
    );
    return { key: readFileSync(key), cert: readFileSync(cert) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("maglev-vpp §10 regressions: HTTPS probe", { skip: skipUnless({ commands: ["openssl"] }) }, () => {
  it("§10.19: the HTTPS probe speaks HTTP inside exactly one TLS layer", async () => {
    const firstBytes: Buffer[] = [];
    const server = createServer(selfSigned(), (socket: TLSSocket) => {
      socket.once("data", (chunk: Buffer) => {
        firstBytes.push(chunk);
        socket.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
      });
      socket.on("error", () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const { port } = server.address() as AddressInfo;
      const expect = parseStatusSet("200");
      assert.ok(expect.ok);
      const probe = createHttpsProbe({ port, timeoutMs: 2000, expect: expect.value, path: "/healthz" });
      const r = await probe.run({ address: "127.0.0.1" }, new AbortController().signal);
      assert.equal(r.ok, true, r.detail);
      assert.equal(firstBytes.length, 1, "one connection, one handshake");
      const plain = firstBytes[0] ?? Buffer.alloc(0);
      assert.notEqual(plain[0], 0x16, "a TLS record inside TLS: the probe wrapped twice");
      assert.match(plain.toString("latin1"), /^GET \/healthz HTTP\/1\.1\r\n/);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
