/**
 * DESIGN.md names a nact defect: an actor whose initial state throws, reset
 * in a loop, hangs the whole process (nact's fault path is a promise chain,
 * so the loop never yields to the event loop). These tests run on the real
 * clock because starvation is a real-time property; every wait is bounded.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { createActorSystem } from "../../../actors/runtime/index.js";

describe("crash loop in init", () => {
  it("raw nact: reset-on-crash of a throwing initial state starves the event loop (characterisation)", () => {
    // A 20 ms timer in a child process never fires; the child is killed at the bound.
    const script = [
      'const nact = require("nact");',
      "const sys = nact.start();",
      'setTimeout(() => { console.log("tick"); process.exit(0); }, 20);',
      'nact.spawn(sys, (s) => s, "bad", { initialStateFunc: () => { throw new Error("init"); },',
      "  onCrash: (_m, _e, ctx) => ctx.reset });",
    ].join("\n");
    const r = spawnSync(process.execPath, ["--input-type=commonjs", "-e", script], {
      cwd: process.cwd(),
      timeout: 1000,
      killSignal: "SIGKILL",
      encoding: "utf8",
    });
    assert.equal(r.stdout.includes("tick"), false);
    assert.equal(r.signal, "SIGKILL");
  });

  it("wrapper: the same loop restarts on macrotasks and a setInterval elsewhere stays on time", async () => {
    let fatal = 0;
    const system = createActorSystem({
      onFatal: () => {
        fatal += 1;
      },
      // Worst case for starvation: no backoff at all and an intensity that never trips.
      supervision: {
        maxRestarts: 1_000_000,
        withinMs: 1000,
        backoff: { initialMs: 0, maxMs: 0, factor: 1, jitter: 0 },
      },
    });
    let inits = 0;
    system.spawn(
      {
        kind: "bad-init",
        init: () => {
          inits += 1;
          throw new Error("init");
        },
        receive: (s: undefined) => s,
      },
      "bad",
    );
    const period = 10;
    const window = 300;
    let ticks = 0;
    let maxGap = 0;
    let last = performance.now();
    const iv = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks += 1;
    }, period);
    await new Promise((resolve) => setTimeout(resolve, window));
    clearInterval(iv);
    await system.stop({ deadlineMs: 1000 });
    // ~30 ticks expected; allow generous slack for a loaded 2-core CI box.
    assert.ok(ticks >= window / period / 2, `only ${ticks} interval ticks in ${window} ms`);
    assert.ok(maxGap < 100, `interval gap of ${maxGap.toFixed(1)} ms`);
    assert.ok(inits >= 20, `init retried only ${inits} times`);
    assert.equal(fatal, 0);
  });
});
