/**
 * The real `magnetite daemon` process with `dataplane: {kind: vpp, socket:
 * <emulator socket>}`: it programs the emulator over the binary API, serves
 * the LB resources, applies an operator weight at once, keeps that override
 * across a restart, and removes the VIP of a frontend deleted by SIGHUP.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { IpAddr } from "../../../protocols/lb/ip.js";
import type { VppEmulator } from "../../fixtures/vpp/emulator.js";
import { type CliProcess, startCli } from "../../support/daemon-process.js";
import { emulator } from "../vpp/helpers.js";

const isListening = (l: Record<string, unknown>) => l["msg"] === "API listening";

async function http(
  port: number,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    signal: AbortSignal.timeout(5000),
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  const text = await r.text();
  return { status: r.status, json: text === "" ? undefined : JSON.parse(text) };
}

async function until(pred: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = performance.now() + ms;
  while (!(await pred())) {
    if (performance.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function weights(emu: VppEmulator, vip: string): Record<string, number> {
  const v = emu.lb.vips.find((x) => x.pfx.address === (vip as IpAddr));
  return Object.fromEntries((v?.ases ?? []).filter((a) => a.used).map((a) => [a.address, a.weight]));
}

function config(socket: string, withApi: boolean): string {
  return `dataplane:
  kind: vpp
  socket: ${socket}
  startup-min-delay: 0s
  startup-max-delay: 0s
  ipv4-src-address: 192.0.2.254
  flow-timeout: 30s
backends:
  s1: { address: 10.0.0.1 }
  s2: { address: 10.0.0.2 }
  s3: { address: 10.0.0.3, enabled: false }
frontends:
  web:
    address: 192.0.2.1
    protocol: tcp
    port: 80
    pools:
      - name: primary
        backends: { s1: { weight: 60 }, s2: {} }
      - name: fallback
        backends: { s3: {} }
${
  withApi
    ? `  api:
    address: 192.0.2.2
    protocol: tcp
    port: 443
    pools: [{ name: p, backends: { s2: {} } }]
`
    : ""
}`;
}

describe("magnetite daemon with the VPP dataplane (emulator socket)", () => {
  let dir: string;
  let emu: VppEmulator;
  let cleanup: () => Promise<void>;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "mgt-lb-"));
    ({ emu, cleanup } = await emulator());
  });
  after(async () => {
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const daemon = (cfg: string): CliProcess =>
    startCli(["daemon", "--config", cfg, "--state-dir", join(dir, "state"), "--api", "127.0.0.1:0"]);

  it("programs VIPs, serves the LB API, applies and persists a weight, and removes a deleted frontend's VIP", async () => {
    const cfg = join(dir, "lb.yaml");
    await writeFile(cfg, config(emu.socketPath, true));
    let d = daemon(cfg);
    try {
      const port = Number((await d.waitForLog(isListening, 10_000))["port"]);
      await until(
        () => weights(emu, "192.0.2.1")["10.0.0.1"] === 60 && weights(emu, "192.0.2.2")["10.0.0.2"] === 100,
      );
      assert.deepEqual(weights(emu, "192.0.2.1"), { "10.0.0.1": 60, "10.0.0.2": 100, "10.0.0.3": 0 });
      assert.equal(emu.lb.conf.ip4, "192.0.2.254", "lb_conf pushed");
      assert.equal(emu.lb.conf.timeout, 30);

      const fronts = await http(port, "GET", "/lb/frontends");
      assert.equal(fronts.status, 200);
      const list = fronts.json as { name: string; state: string; active_pool: string }[];
      assert.deepEqual(
        list.map((f) => `${f.name}:${f.state}:${f.active_pool}`),
        ["api:up:p", "web:up:primary"],
      );
      const vips = (await http(port, "GET", "/lb/vips")).json as {
        dataplane: string;
        vips: { frontend: string }[];
      };
      assert.equal(vips.dataplane, "vpp");
      assert.deepEqual(vips.vips.map((v) => v.frontend).sort(), ["api", "web"]);

      const put = await http(port, "PUT", "/lb/frontends/web/pools/primary/backends/s2/weight", {
        weight: 5,
        flush: true,
      });
      assert.equal(put.status, 200);
      await until(() => weights(emu, "192.0.2.1")["10.0.0.2"] === 5);
      assert.ok(emu.writes.includes("w 192.0.2.1:80 10.0.0.2 w5 F"), "weight and flush in one call");
      const sync = await http(port, "POST", "/lb/sync");
      assert.deepEqual([(sync.json as { ran: boolean }).ran, (sync.json as { ops: number }).ops], [true, 0]);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(metrics, /magnetite_lb_dataplane_connected\{dataplane="vpp"\} 1/);
      assert.match(metrics, /magnetite_lb_frontend_state\{frontend="web",state="up"\} 1/);
      assert.match(metrics, /magnetite_lb_sync_operations_total\{kind="as-set-weight",scope="vip"\} 1/);

      d.child.kill("SIGTERM");
      assert.equal((await d.waitExit()).code, 0);

      // Restart: the override comes back from the state directory; VPP is already right.
      emu.writes.length = 0;
      d = daemon(cfg);
      const port2 = Number((await d.waitForLog(isListening, 10_000))["port"]);
      await until(async () => {
        const f = (await http(port2, "GET", "/lb/frontends/web")).json as {
          pools: { backends: { weight: number }[] }[];
        };
        return f.pools[0]?.backends[1]?.weight === 5;
      });
      await until(async () => ((await http(port2, "POST", "/lb/sync")).json as { ran: boolean }).ran);
      assert.equal(weights(emu, "192.0.2.1")["10.0.0.2"], 5);
      assert.deepEqual(
        emu.writes.filter((w) => !w.startsWith("w 192.0.2.1:80 10.0.0.3")),
        [],
        "a restart rewrites nothing that is already right",
      );

      // SIGHUP without the api frontend: its owned VIP goes.
      await writeFile(cfg, config(emu.socketPath, false));
      d.child.kill("SIGHUP");
      await until(() => emu.lb.vips.length === 1);
      assert.equal(emu.lb.vips[0]?.pfx.address, "192.0.2.1");
      d.child.kill("SIGTERM");
      assert.equal((await d.waitExit()).code, 0);
    } finally {
      d.child.kill("SIGKILL");
    }
  });
});
