import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Component, Lifecycle, StopDeadlineError } from "../../../api/daemon/lifecycle.js";
import { silentLogger } from "../../support/api.js";

function recorder(
  log: string[],
  name: string,
  opts: { failStart?: boolean; hangStop?: boolean } = {},
): Component {
  return {
    name,
    async start() {
      log.push(`start ${name}`);
      if (opts.failStart === true) throw new Error(`${name} cannot start`);
    },
    async stop() {
      log.push(`stop ${name}`);
      if (opts.hangStop === true) await new Promise(() => undefined);
    },
  };
}

describe("Lifecycle", () => {
  it("starts in order, stops in reverse, and reports readiness", async () => {
    const log: string[] = [];
    const lc = new Lifecycle(
      [recorder(log, "store"), recorder(log, "actors"), recorder(log, "api")],
      silentLogger,
    );
    assert.equal(lc.readiness().ready, false);
    await lc.start();
    assert.equal(lc.readiness().ready, true);
    await lc.stop(1000);
    assert.deepEqual(log, [
      "start store",
      "start actors",
      "start api",
      "stop api",
      "stop actors",
      "stop store",
    ]);
    assert.ok(lc.readiness().subsystems.every((s) => s.state === "stopped"));
  });

  it("a failed start stops what did start, then rethrows", async () => {
    const log: string[] = [];
    const lc = new Lifecycle(
      [recorder(log, "store"), recorder(log, "actors", { failStart: true }), recorder(log, "api")],
      silentLogger,
    );
    await assert.rejects(lc.start(), /actors cannot start/);
    assert.deepEqual(log, ["start store", "start actors", "stop store"]);
    assert.equal(lc.readiness().subsystems.find((s) => s.name === "actors")?.state, "failed");
  });

  it("a component overrunning the deadline is abandoned and the rest still stop", async () => {
    const log: string[] = [];
    const lc = new Lifecycle(
      [recorder(log, "store"), recorder(log, "stuck", { hangStop: true })],
      silentLogger,
    );
    await lc.start();
    const t0 = performance.now();
    await assert.rejects(
      lc.stop(50),
      (e: unknown) => e instanceof StopDeadlineError && e.pending[0] === "stuck",
    );
    assert.ok(performance.now() - t0 < 1000);
    assert.deepEqual(log.slice(2), ["stop stuck", "stop store"]);
  });
});
