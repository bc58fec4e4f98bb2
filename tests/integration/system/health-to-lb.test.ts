/**
 * The whole chain in one real daemon: a health check probes a real HTTP
 * server on loopback, the backend's transitions reach the frontend's
 * reconciler, and the in-memory dataplane's AS weight follows (100 while the
 * server answers, 0 once it has failed `fall` probes, back when it answers
 * again). Failover to the fallback pool shows in `GET /lb/frontends`.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startCli } from "../../support/daemon-process.js";

type Vips = { vips: { frontend: string | null; ases: { address: string; weight: number }[] }[] };
type Frontend = { name: string; state: string; active_pool: string };

async function getJson<T>(port: number, path: string): Promise<T> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  assert.equal(r.status, 200, `${path} answered ${r.status}`);
  return (await r.json()) as T;
}

async function until(what: string, pred: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = performance.now() + ms;
  while (!(await pred())) {
    if (performance.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve) =>
    server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

describe("health checking drives the LB reconciler (real daemon, memory dataplane)", () => {
  let dir: string;
  let server: Server;
  let serverPort: number;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "mgt-h2lb-"));
    server = createServer((_req, res) => res.writeHead(200).end("ok"));
    serverPort = await listen(server);
  });
  after(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("a backend's health sets its AS weight and fails the frontend over to the fallback pool", async () => {
    const cfg = join(dir, "m.yaml");
    await writeFile(
      cfg,
      `healthchecks:
  web:
    type: http
    port: ${serverPort}
    interval: 200ms
    fast-interval: 100ms
    down-interval: 200ms
    timeout: 150ms
    rise: 2
    fall: 2
    http: { path: /healthz }
backends:
  app: { address: 127.0.0.1, healthcheck: web }
  spare: { address: 127.0.0.2 }
frontends:
  www:
    address: 192.0.2.10
    protocol: tcp
    port: 80
    pools:
      - name: primary
        backends: { app: {} }
      - name: fallback
        backends: { spare: {} }
dataplane:
  kind: memory
  startup-min-delay: 0s
  startup-max-delay: 0s
`,
    );
    const d = startCli([
      "daemon",
      "--config",
      cfg,
      "--state-dir",
      join(dir, "state"),
      "--api",
      "127.0.0.1:0",
    ]);
    try {
      const port = Number((await d.waitForLog((l) => l["msg"] === "API listening"))["port"]);
      const weightOf = async (addr: string) => {
        const v = await getJson<Vips>(port, "/lb/vips");
        return v.vips.find((x) => x.frontend === "www")?.ases.find((a) => a.address === addr)?.weight;
      };
      const front = async () =>
        (await getJson<Frontend[]>(port, "/lb/frontends")).find((f) => f.name === "www");

      await until("app up at weight 100", async () => (await weightOf("127.0.0.1")) === 100);
      assert.equal((await front())?.active_pool, "primary");
      assert.equal(
        await weightOf("127.0.0.2"),
        0,
        "the fallback pool carries no traffic while primary is up",
      );

      server.close();
      server.closeAllConnections();
      await until("app down at weight 0", async () => (await weightOf("127.0.0.1")) === 0);
      await until("failover to the fallback pool", async () => (await front())?.active_pool === "fallback");
      assert.equal(await weightOf("127.0.0.2"), 100);
      const backends = await getJson<{ name: string; state: string }[]>(port, "/lb/backends");
      assert.equal(backends.find((b) => b.name === "app")?.state, "down");

      server = createServer((_req, res) => res.writeHead(200).end("ok"));
      await listen(server, serverPort);
      await until("app back at weight 100", async () => (await weightOf("127.0.0.1")) === 100);
      await until("back on the primary pool", async () => (await front())?.active_pool === "primary");

      d.child.kill("SIGTERM");
      assert.equal((await d.waitExit()).code, 0);
    } finally {
      d.child.kill("SIGKILL");
    }
  });
});
