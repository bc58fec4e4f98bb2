/**
 * The health subsystem inside an in-process daemon (`startDaemon`) with a
 * temporary state directory: a pause survives a daemon restart (the
 * backend's server sees no probe from the second daemon), and a reload that
 * leaves a backend's check alone keeps its state.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pino } from "pino";
import { type Daemon, initialConfig, startDaemon } from "../../../api/daemon/daemon.js";
import { defaultSubsystems } from "../../../api/daemon/subsystems.js";
import type { BackendDetail } from "../../../api/schemas/backends.js";
import { closeServer, httpServer } from "./support.js";

const config = (port: number, extra = "", portB = port) => `
healthchecks:
  web: { type: http, port: ${port}, interval: 100ms, fast-interval: 40ms, timeout: 200ms, rise: 2, fall: 3 }
  web-b: { type: http, port: ${portB}, interval: 100ms, fast-interval: 40ms, timeout: 200ms, rise: 2, fall: 3 }
backends:
  a: { address: 127.0.0.1, healthcheck: web }
  b: { address: 127.0.0.1, healthcheck: web-b${extra} }
`;

async function boot(file: string, stateDir: string): Promise<Daemon> {
  const c = await initialConfig(file);
  assert.ok(c.ok);
  return startDaemon(
    {
      configFile: file,
      stateDir,
      api: { host: "127.0.0.1", port: 0 },
      logger: pino({ level: "silent" }),
      onFatal: (e) => assert.fail(e),
      subsystems: defaultSubsystems,
    },
    c.config,
  );
}

async function backendOf(d: Daemon, name: string): Promise<BackendDetail> {
  const res = await d.app.inject({ method: "GET", url: `/lb/backends/${name}` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as BackendDetail;
}

/**
 * One read of `name`, with how long it took on the wall clock. The route maps each monotonic
 * age to wall time with its own `Date.now()`, taken after the actor answered, so an instant it
 * reports is late by at most the read's duration (plus a millisecond of truncation).
 */
async function timedBackendOf(d: Daemon, name: string): Promise<{ b: BackendDetail; tookMs: number }> {
  const t0 = Date.now();
  const b = await backendOf(d, name);
  return { b, tookMs: Date.now() - t0 };
}

/** Poll the API until `name` is `state` (bounded; the API is the observable here). */
async function until(d: Daemon, name: string, state: string, withinMs = 5000): Promise<BackendDetail> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const b = await backendOf(d, name);
    if (b.state === state) return b;
    if (Date.now() > deadline) assert.fail(`${name} is ${b.state}, not ${state}, after ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("health subsystem in an in-process daemon", () => {
  it("a persisted pause survives a daemon restart: the restarted daemon never probes the backend", async () => {
    const dir = await mkdtemp(join(tmpdir(), "magnetite-health-"));
    const srvA = await httpServer();
    const srvB = await httpServer();
    const file = join(dir, "magnetite.yaml");
    await writeFile(file, config(srvA.port, "", srvB.port));
    try {
      const first = await boot(file, join(dir, "state"));
      await until(first, "a", "up");
      const paused = await first.app.inject({ method: "POST", url: "/lb/backends/a/pause" });
      assert.equal(paused.statusCode, 200, paused.body);
      await first.stop(5000);

      const seenByA = srvA.requests();
      const seenByB = srvB.requests();
      const second = await boot(file, join(dir, "state"));
      try {
        // b is probed until it is up (at least one request) while a's server sees nothing.
        await until(second, "b", "up");
        assert.ok(srvB.requests() > seenByB);
        assert.equal((await backendOf(second, "a")).state, "paused");
        assert.equal(srvA.requests(), seenByA, "the paused backend's server saw a probe");
        assert.doesNotMatch(
          (await second.app.inject({ method: "GET", url: "/metrics" })).body,
          /magnetite_health_probes_total\{backend="a"/,
        );
      } finally {
        await second.stop(5000);
      }
    } finally {
      await closeServer(srvA.server);
      await closeServer(srvB.server);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a reload keeps the state of a backend whose check is unchanged; a changed check restarts only it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "magnetite-health-"));
    const srv = await httpServer();
    const file = join(dir, "magnetite.yaml");
    await writeFile(file, config(srv.port));
    const d = await boot(file, join(dir, "state"));
    try {
      await until(d, "a", "up");
      await until(d, "b", "up");
      const { b: a0, tookMs: took0 } = await timedBackendOf(d, "a");
      assert.equal(a0.state, "up");
      // b gains a description (same check): its state, history and time in state carry on.
      await writeFile(file, config(srv.port, ", description: rack 3"));
      const res = await d.app.inject({ method: "POST", url: "/config/reload" });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().last_error, null);
      const { b: a1, tookMs: took1 } = await timedBackendOf(d, "a");
      assert.equal(a1.state, "up");
      // Same transitions; wall times are mapped from monotonic ages per request, each late by at
      // most its read's duration (a loaded machine stretches a read to tens of ms), +2 ms truncation.
      const strip = (h: BackendDetail["history"]) => h.map(({ at: _at, ...rest }) => rest);
      assert.deepEqual(strip(a1.history), strip(a0.history));
      const drift = Math.abs(Date.parse(a1.history[0]?.at ?? "") - Date.parse(a0.history[0]?.at ?? ""));
      const bound = Math.max(took0, took1) + 2;
      assert.ok(drift <= bound, `history time moved by ${drift} ms (reads took ${took0}, ${took1} ms)`);
      assert.ok(a1.duration_ms >= a0.duration_ms);
      const b1 = await backendOf(d, "b");
      assert.equal(b1.state, "up");
      assert.equal(b1.history.length, 1);
      // Changing check `web` (a's) restarts a alone, from a fresh history; b (check web-b) keeps running.
      await writeFile(
        file,
        config(srv.port, ", description: rack 3").replace("interval: 100ms", "interval: 150ms"),
      );
      await d.app.inject({ method: "POST", url: "/config/reload" });
      const a2 = await backendOf(d, "a");
      assert.ok(a2.history.length <= 1, "a fresh actor has a fresh history");
      assert.ok(a2.duration_ms < a1.duration_ms);
      const b2 = await backendOf(d, "b");
      assert.equal(b2.state, "up");
      assert.ok(b2.duration_ms >= b1.duration_ms, "b was not restarted");
      await until(d, "a", "up");
    } finally {
      await d.stop(5000);
      await closeServer(srv.server);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
