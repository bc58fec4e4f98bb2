import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type CliProcess, runCli, startCli } from "../../support/daemon-process.js";

const isListening = (l: Record<string, unknown>) => l["msg"] === "API listening";

async function get(port: number, path: string): Promise<{ status: number; body: string; type: string }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: r.status, body: await r.text(), type: r.headers.get("content-type") ?? "" };
}

describe("magnetite daemon (real process)", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "mgt-daemon-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("serves health, readiness, OpenAPI, metrics and actors, and exits 0 on SIGTERM", async () => {
    const d = startCli([
      "daemon",
      "--config",
      "deploy/default.yaml",
      "--state-dir",
      join(dir, "s1"),
      "--api",
      "127.0.0.1:0",
    ]);
    try {
      // Start-up time is measured by bench/daemon (target < 5 s), not asserted here.
      const port = Number((await d.waitForLog(isListening, 20_000))["port"]);
      assert.ok(port > 0);
      for (const path of ["/healthz", "/readyz", "/openapi.json", "/metrics", "/actors"]) {
        const r = await get(port, path);
        assert.equal(r.status, 200, `${path} answered ${r.status}`);
      }
      const metrics = await get(port, "/metrics");
      assert.match(metrics.body, /magnetite_event_loop_lag_seconds/);
      assert.match(metrics.body, /magnetite_config_reloads_total/);
      const stopAt = performance.now();
      d.child.kill("SIGTERM");
      const { code } = await d.waitExit();
      assert.equal(code, 0);
      assert.ok(performance.now() - stopAt < 10_000, "stopped within the default deadline");
      assert.ok(d.lines.some((l) => l["msg"] === "component stopped" && l["component"] === "api"));
    } finally {
      d.child.kill("SIGKILL");
    }
  });

  it("SIGHUP with a broken config keeps the old one running and reports why; a fixed one reloads", async () => {
    const cfg = join(dir, "hup.yaml");
    await writeFile(cfg, "api:\n  body-limit: 1000\n");
    const d: CliProcess = startCli([
      "daemon",
      "--config",
      cfg,
      "--state-dir",
      join(dir, "s2"),
      "--api",
      "127.0.0.1:0",
    ]);
    try {
      const port = Number((await d.waitForLog(isListening))["port"]);
      await writeFile(cfg, "api:\n  body-limit: [oops\n");
      d.child.kill("SIGHUP");
      await d.waitForLog((l) => l["msg"] === "config reload failed; keeping the config in force");
      const failed = JSON.parse((await get(port, "/config/status")).body);
      assert.equal(failed.reloads_failed, 1);
      assert.equal(failed.last_error.code, "CFG_E_YAML");
      assert.match(failed.last_error.issues[0], /hup\.yaml:\d+:\d+/);
      assert.equal((await get(port, "/healthz")).status, 200, "still serving after a failed reload");

      await writeFile(cfg, "api:\n  body-limit: 2000\n");
      d.child.kill("SIGHUP");
      await d.waitForLog((l) => l["msg"] === "config reloaded");
      const okStatus = JSON.parse((await get(port, "/config/status")).body);
      assert.equal(okStatus.reloads_ok, 1);
      assert.match((await get(port, "/metrics")).body, /magnetite_config_reloads_total\{result="failed"\} 1/);
      d.child.kill("SIGTERM");
      assert.equal((await d.waitExit()).code, 0);
    } finally {
      d.child.kill("SIGKILL");
    }
  });

  it("warns loudly when the API is bound to a non-loopback address", async () => {
    const d = startCli(["daemon", "--state-dir", join(dir, "s3"), "--api", "0.0.0.0:0"]);
    try {
      await d.waitForLog(isListening);
      const warn = d.lines.find((l) => l["level"] === 40 && String(l["msg"]).includes("non-loopback"));
      assert.ok(warn !== undefined, "a warn line names the exposure");
      d.child.kill("SIGTERM");
      assert.equal((await d.waitExit()).code, 0);
    } finally {
      d.child.kill("SIGKILL");
    }
  });

  it("refuses to start on an invalid config with exit 2, naming the file", async () => {
    const cfg = join(dir, "bad.yaml");
    await writeFile(cfg, "api:\n  listen: nowhere\n  colour: red\n");
    const r = await runCli(["daemon", "--config", cfg, "--state-dir", join(dir, "s4")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml:2:\d+ api\.listen/);
    assert.match(r.stderr, /bad\.yaml:3:\d+ api/);
  });

  it("exits 1 when the API port is taken", async () => {
    const first = startCli(["daemon", "--state-dir", join(dir, "s5"), "--api", "127.0.0.1:0"]);
    try {
      const port = Number((await first.waitForLog(isListening))["port"]);
      const r = await runCli(["daemon", "--state-dir", join(dir, "s6"), "--api", `127.0.0.1:${port}`]);
      assert.equal(r.code, 1);
    } finally {
      first.child.kill("SIGTERM");
      await first.waitExit();
    }
  });

  it("refuses a second daemon on the same state directory (exit 1) and leaves the first running", async () => {
    const stateDir = join(dir, "shared");
    const first = startCli(["daemon", "--state-dir", stateDir, "--api", "127.0.0.1:0"]);
    try {
      const port = Number((await first.waitForLog(isListening))["port"]);
      const second = startCli(["daemon", "--state-dir", stateDir, "--api", "127.0.0.1:0"]);
      const { code } = await second.waitExit();
      assert.equal(code, 1);
      assert.ok(second.lines.some((l) => JSON.stringify(l).includes(`in use by pid ${first.child.pid}`)));
      assert.equal((await get(port, "/healthz")).status, 200);
    } finally {
      first.child.kill("SIGTERM");
      assert.equal((await first.waitExit()).code, 0);
    }
    const again = startCli(["daemon", "--state-dir", stateDir, "--api", "127.0.0.1:0"]);
    await again.waitForLog(isListening);
    again.child.kill("SIGTERM");
    assert.equal((await again.waitExit()).code, 0, "the lock was released on a clean stop");
  });

  it("config check exits 2 naming the file on a YAML error, 0 on a valid file", async () => {
    const bad = join(dir, "syntax.yaml");
    await writeFile(bad, 'api:\n  listen: "127.0.0.1:1\n');
    const r = await runCli(["config", "check", bad]);
    assert.equal(r.code, 2);
    assert.match(r.stdout + r.stderr, /syntax\.yaml:\d+/);
    const good = await runCli(["config", "check", "deploy/default.yaml"]);
    assert.equal(good.code, 0, good.stderr);
    assert.ok((await readFile("deploy/default.yaml", "utf8")).includes("memory"));
  });
});
