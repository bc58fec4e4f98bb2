import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { after, describe, it } from "node:test";
import { createHttpsProbe, type HttpsProbeOptions } from "../../../dataplane/probes/https.js";
import { parseStatusSet } from "../../../protocols/health/status-set.js";
import { skipUnless } from "../../support/env.js";
import { start, type Tracked } from "./servers.js";

const target = { address: "127.0.0.1" };
const never = new AbortController().signal;
const servers: Tracked[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let material: { key: Buffer; cert: Buffer } | undefined;
/** A throw-away self-signed certificate for `probe.test`, made with openssl at test time. */
function selfSigned(): { key: Buffer; cert: Buffer } {
  if (material !== undefined) return material;
  const dir = mkdtempSync(join(tmpdir(), "magnetite-probe-tls-"));
  dirs.push(dir);
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  // EC P-256: key generation takes milliseconds, unlike RSA.
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=probe.test",
      "-addext",
      "subjectAltName=DNS:probe.test",
    ],
    { stdio: "ignore", timeout: 10_000 },
  );
  material = { key: readFileSync(key), cert: readFileSync(cert) };
  return material;
}

const ok200 = (() => {
  const r = parseStatusSet("200");
  assert.ok(r.ok);
  return r.value;
})();

function probe(port: number, extra: Partial<HttpsProbeOptions> = {}) {
  return createHttpsProbe({ port, timeoutMs: 300, expect: ok200, ...extra });
}

/** An HTTPS server answering 200 and recording the SNI it was given. */
async function tlsServer(sni: (string | false)[] = []): Promise<Tracked> {
  const { key, cert } = selfSigned();
  const s = await start(
    createHttpsServer({ key, cert }, (req, res) => {
      sni.push((req.socket as TLSSocket).servername ?? false);
      res.end("ok");
    }),
  );
  servers.push(s);
  return s;
}

describe("HTTPS probe against a loopback TLS server", { skip: skipUnless({ commands: ["openssl"] }) }, () => {
  it("self-signed certificate with verification off passes; no SNI for an address target", async () => {
    const sni: (string | false)[] = [];
    const s = await tlsServer(sni);
    const r = await probe(s.port).run(target, never);
    assert.equal(r.ok, true, r.detail);
    assert.equal(r.detail, "HTTP 200");
    assert.deepEqual(sni, [false]);
    await s.allClosed();
  });

  it("verification on fails with tls-error", async () => {
    const s = await tlsServer();
    const r = await probe(s.port, { verify: true, sni: "probe.test" }).run(target, never);
    assert.equal(r.code, "tls-error", r.detail);
    await s.allClosed();
  });

  it("verification on with the CA and the right SNI passes; a wrong name fails with tls-error", async () => {
    const sni: (string | false)[] = [];
    const s = await tlsServer(sni);
    const { cert } = selfSigned();
    const good = await probe(s.port, { verify: true, ca: cert, sni: "probe.test" }).run(target, never);
    assert.equal(good.ok, true, good.detail);
    assert.deepEqual(sni, ["probe.test"]);
    const bad = await probe(s.port, { verify: true, ca: cert, sni: "other.test" }).run(target, never);
    assert.equal(bad.code, "tls-error", bad.detail);
  });

  it("SNI defaults to the Host header's name", async () => {
    const sni: (string | false)[] = [];
    const s = await tlsServer(sni);
    const r = await probe(s.port, { host: "www.example.net:8443" }).run(target, never);
    assert.equal(r.ok, true, r.detail);
    assert.deepEqual(sni, ["www.example.net"]);
  });

  it("TLS to a plain HTTP server fails with tls-error, one TLS layer only (bug 19)", async () => {
    const s = await start(createHttpServer((_req, res) => res.end("plain")));
    servers.push(s);
    const r = await probe(s.port).run(target, never);
    assert.equal(r.code, "tls-error", r.detail);
  });
});
