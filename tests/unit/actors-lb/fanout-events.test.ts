import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pino } from "pino";
import { BackendFanout } from "../../../actors/lb/backend-fanout.js";
import { LbEventHub } from "../../../actors/lb/event-hub.js";
import { ManualBackendStates, staticBackendStates } from "../../../actors/lb/sources.js";
import type { BackendStateChange, LbTransition } from "../../../actors/lb/types.js";

const log = pino({ level: "silent" });
const tick = () => new Promise<void>((r) => setImmediate(r));

describe("backend fanout", () => {
  it("replays known states, routes only watched backends, and coalesces a burst to its final value", async () => {
    const src = new ManualBackendStates([["a", "up"]]);
    const f = new BackendFanout(log);
    f.start(src);
    const got: BackendStateChange[][] = [];
    const w = f.watch(["a", "b"], (c) => {
      got.push([...c]);
      return true;
    });
    await tick();
    assert.deepEqual(got, [[{ name: "a", state: "up" }]]);
    src.set("z", "down");
    for (const s of ["down", "up", "down"] as const) src.set("b", s);
    await tick();
    assert.deepEqual(got[1], [{ name: "b", state: "down" }]);
    assert.equal(got.length, 2, "unwatched backend z is not delivered");
    w.close();
    src.set("a", "down");
    await tick();
    assert.equal(got.length, 2);
    f.stop();
  });

  it("keeps a refused batch and delivers the newest value once the receiver accepts", async () => {
    const src = new ManualBackendStates();
    const f = new BackendFanout(log);
    f.start(src);
    let accept = false;
    const got: BackendStateChange[][] = [];
    f.watch(["a"], (c) => {
      if (!accept) return false;
      got.push([...c]);
      return true;
    });
    src.set("a", "down");
    await tick();
    src.set("a", "up");
    accept = true;
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(got, [[{ name: "a", state: "up" }]]);
    f.stop();
  });

  it("reports transitions (not repeats) to listeners", async () => {
    const src = new ManualBackendStates();
    const f = new BackendFanout(log);
    const seen: string[] = [];
    f.onTransition((t) => seen.push(`${t.name}:${t.from ?? "-"}>${t.to}`));
    f.start(src);
    src.set("a", "up");
    src.set("a", "up");
    src.set("a", "down");
    assert.deepEqual(seen, ["a:->up", "a:up>down"]);
    f.stop();
  });
});

describe("static backend states (no health subsystem)", () => {
  it("static backends are up, disabled ones disabled, checked ones unknown (absent)", () => {
    const s = staticBackendStates([
      { name: "s", hasHealthcheck: false, enabled: true },
      { name: "d", hasHealthcheck: false, enabled: false },
      { name: "c", hasHealthcheck: true, enabled: true },
    ]);
    const got: BackendStateChange[] = [];
    s.subscribe((c) => got.push(c));
    assert.deepEqual(got, [
      { name: "s", state: "up" },
      { name: "d", state: "disabled" },
    ]);
  });
});

describe("event hub", () => {
  it("replays current states with from === to, then streams live transitions", () => {
    const hub = new LbEventHub(log, () => new Date("2026-01-01T00:00:00Z"));
    hub.backend("b1", undefined, "up");
    hub.frontend("web", undefined, "unknown");
    hub.frontend("web", "unknown", "up");
    const got: LbTransition[] = [];
    const off = hub.subscribe((t) => got.push(t));
    hub.backend("b1", "up", "down");
    off();
    hub.backend("b1", "down", "up");
    assert.deepEqual(
      got.map((t) => `${t.type} ${t.name} ${t.from}>${t.to}`),
      ["backend b1 up>up", "frontend web up>up", "backend b1 up>down"],
    );
    assert.equal(got[0]?.at, "2026-01-01T00:00:00.000Z");
    hub.forgetFrontend("web");
    assert.equal(hub.frontendStates().size, 0);
  });
});
