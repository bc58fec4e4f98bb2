/**
 * Reconnect backoff driven by injected timers (no real waiting): the client
 * aims at a socket path nobody listens on, every attempt fails at once, and
 * the test fires each scheduled retry by hand and reads the delays.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { VppClient, type VppClientEvent } from "../../../dataplane/vpp/client.js";
import type { TimerApi } from "../../../dataplane/vpp/timers.js";

class ManualTimers implements TimerApi {
  readonly queue: { fn: () => void; ms: number; id: number }[] = [];
  #id = 0;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#id;
    this.queue.push({ fn, ms, id });
    return id;
  }
  clearTimeout(h: unknown): void {
    const i = this.queue.findIndex((t) => t.id === h);
    if (i >= 0) this.queue.splice(i, 1);
  }
}

describe("vpp client reconnect backoff", () => {
  it("doubles from 500 ms to the 5 s cap, then stops cleanly", async () => {
    const dir = mkdtempSync(join(tmpdir(), "magnetite-vpp-"));
    const timers = new ManualTimers();
    const client = new VppClient({ socketPath: join(dir, "absent.sock"), timers, connectTimeoutMs: 60_000 });
    const failures: VppClientEvent[] = [];
    let wake: () => void = () => undefined;
    client.on((e) => {
      if (e.kind === "connect-failed") {
        failures.push(e);
        wake();
      }
    });
    const nextFailure = (): Promise<void> =>
      new Promise((resolve, reject) => {
        const guard = setTimeout(() => reject(new Error("no connect-failed event")), 2_000);
        wake = () => {
          clearTimeout(guard);
          resolve();
        };
      });
    try {
      let seen = nextFailure();
      client.start();
      const delays: number[] = [];
      for (let i = 0; i < 6; i++) {
        await seen;
        // The failed attempt cleared its connect deadline: only the retry is armed.
        assert.equal(timers.queue.length, 1);
        const retry = timers.queue[0];
        assert.ok(retry);
        delays.push(retry.ms);
        timers.clearTimeout(retry.id);
        seen = nextFailure();
        retry.fn();
      }
      await seen;
      assert.deepEqual(delays, [500, 1000, 2000, 4000, 5000, 5000]);
      assert.ok(failures.every((f) => f.kind === "connect-failed" && f.code === "VPP_E_CONNECT"));
      assert.equal(client.state, "waiting");
      await client.stop();
      assert.equal(client.state, "stopped");
      assert.deepEqual(timers.queue, [], "no timer left armed after stop");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
