/**
 * maglev-vpp §10 regressions of probing and startup: 16 (pause must stop the
 * probe, not discard its results), 20 (probes must not run in lockstep after
 * a restart: ±10 % jitter), 23 (static backends at startup, §3.6 [?]).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { millis } from "../../../protocols/common/time.js";
import type { Random } from "../../../protocols/common/time.js";
import type { BackendHealth, HealthAction } from "../../../protocols/health/index.js";
import { JITTER_FRACTION, probePass } from "../../../protocols/health/index.js";
import { makeCore } from "../health/harness.js";
import { stack } from "./stack.js";

const CHECK =
  "{ type: tcp, port: 80, interval: 1s, fast-interval: 200ms, down-interval: 2s, timeout: 100ms, rise: 2, fall: 2 }";

/** A small deterministic PRNG (mulberry32) so the spread is reproducible. */
function seeded(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The timing makeCore uses (tests/unit/health/harness.ts TEST_CHECK).
const FAST_MS = 200;
const INTERVAL_MS = 1000;

const armOf = (actions: readonly HealthAction[]) => {
  const a = actions.find((x) => x.kind === "arm-probe");
  assert.ok(a?.kind === "arm-probe", "a probe is armed");
  return a;
};

describe("maglev-vpp §10 regressions: probing", () => {
  it("§10.16: pause aborts the probe in flight and no probe runs while paused", async () => {
    const s = await stack(`
healthchecks:
  web: ${CHECK}
backends:
  a: { address: 10.0.0.1, healthcheck: web }
frontends:
  www: { address: 192.0.2.10, protocol: tcp, port: 80, pools: [ { name: p, backends: { a: {} } } ] }
dataplane: { kind: memory, startup-min-delay: 0s, startup-max-delay: 0s }
`);
    try {
      await s.advance(300);
      assert.equal((await s.health.get("a"))?.state, "up");
      // The next probe hangs in flight (a slow backend) when the operator pauses.
      s.prober.hang.add("10.0.0.1");
      await s.advance(1100);
      const inFlight = s.prober.runs.at(-1);
      assert.ok(inFlight !== undefined && !inFlight.signal.aborted, "a probe is in flight");
      const r = await s.health.operate("a", "pause");
      assert.ok(r.ok && r.snapshot.state === "paused");
      assert.equal(inFlight.signal.aborted, true, "the running probe is cancelled, not left to finish");
      const runs = s.prober.runs.length;
      await s.advance(5000, 100);
      assert.equal(s.prober.runs.length, runs, "no probe traffic while paused");
      assert.equal((await s.health.get("a"))?.state, "paused", "a late result is not recorded");
      // Paused never flushes (§4.2): weight 0, graceful drain.
      assert.deepEqual(s.as("www", "10.0.0.1"), { weight: 0, flushed: false });
      s.prober.hang.clear();
      assert.ok((await s.health.operate("a", "resume")).ok);
      await s.advance(300);
      assert.ok(s.prober.runs.length > runs, "resume probes again");
      assert.equal((await s.health.get("a"))?.state, "up");
    } finally {
      await s.stop();
    }
  });

  it("§10.20: backends started at the same instant do not probe in lockstep (spread start, ±10 % jitter)", () => {
    const core = makeCore(2, 2, { random: seeded(20) });
    const n = 200;
    const firsts: number[] = [];
    const gaps: number[] = [];
    for (let i = 0; i < n; i++) {
      // A restart: every backend starts at t=0.
      let out = core.start(millis(0));
      let st: BackendHealth = out.state;
      const first = armOf(out.actions);
      firsts.push(first.dueAt);
      // Bring it fully up, then measure the period between two steady-state probes.
      let due = first;
      for (let k = 0; k < 4; k++) {
        out = core.step(st, { kind: "probe-due", token: due.token }, due.dueAt);
        out = core.step(
          out.state,
          { kind: "probe-result", token: due.token, result: probePass("ok", millis(1)) },
          due.dueAt,
        );
        st = out.state;
        due = armOf(out.actions);
      }
      assert.equal(st.status, "up");
      gaps.push(due.delay);
    }
    // First probes: uniform over [0, fast-interval), not all at once.
    assert.ok(firsts.every((t) => t >= 0 && t < FAST_MS));
    const buckets = new Set(firsts.map((t) => Math.floor(t / (FAST_MS / 10))));
    assert.equal(buckets.size, 10, "every tenth of the first fast-interval gets first probes");
    // Whole milliseconds: some collisions are expected, a crowd on one instant is not.
    const perInstant = new Map<number, number>();
    for (const t of firsts) perInstant.set(t, (perInstant.get(t) ?? 0) + 1);
    assert.ok(Math.max(...perInstant.values()) <= 5, "no instant carries a crowd of first probes");
    // Steady state: interval ±10 %, and not one common period.
    const lo = INTERVAL_MS * (1 - JITTER_FRACTION);
    const hi = INTERVAL_MS * (1 + JITTER_FRACTION);
    assert.ok(
      gaps.every((g) => g >= lo && g <= hi),
      `gaps within [${lo}, ${hi}]`,
    );
    assert.ok(new Set(gaps).size > n / 2, "periods differ between backends");
    assert.ok(Math.max(...gaps) - Math.min(...gaps) > INTERVAL_MS * JITTER_FRACTION);
  });

  it("§10.23: a static backend is up at startup and never holds its VIP in warmup", async () => {
    const s = await stack(`
healthchecks:
  web: ${CHECK}
backends:
  st: { address: 10.0.0.9 }
  slow: { address: 10.0.0.1, healthcheck: web }
frontends:
  static-only: { address: 192.0.2.20, protocol: tcp, port: 80, pools: [ { name: p, backends: { st: {} } } ] }
  checked: { address: 192.0.2.21, protocol: tcp, port: 80, pools: [ { name: p, backends: { slow: {} } } ] }
dataplane: { kind: memory, startup-min-delay: 1s, startup-max-delay: 10s }
`);
    try {
      // The checked backend never answers, so it stays unknown for the whole window.
      s.prober.hang.add("10.0.0.1");
      const st = await s.health.get("st");
      assert.equal(st?.state, "up", "static: up at once (§3.6)");
      assert.equal(st?.history[0]?.code, "no-healthcheck");
      assert.equal(s.dp.state.size, 0, "nothing is written before startup-min-delay (§4.5)");
      await s.advance(1100, 100);
      // Released at min, with its real weight: no black-hole, no wait for max.
      assert.deepEqual(s.as("static-only", "10.0.0.9"), { weight: 100, flushed: false });
      assert.equal(s.as("checked", "10.0.0.1"), undefined, "a VIP with unknown backends is still held");
      assert.equal(s.prober.count("10.0.0.9"), 0, "a static backend is never probed");
      await s.advance(9000, 500);
      assert.deepEqual(s.as("checked", "10.0.0.1"), { weight: 0, flushed: false }, "final sync at max");
      // A static backend added by a reload is up at once, too.
      await s.reload(`
healthchecks:
  web: ${CHECK}
backends:
  st: { address: 10.0.0.9 }
  st2: { address: 10.0.0.10 }
  slow: { address: 10.0.0.1, healthcheck: web }
frontends:
  static-only: { address: 192.0.2.20, protocol: tcp, port: 80, pools: [ { name: p, backends: { st: {}, st2: {} } } ] }
  checked: { address: 192.0.2.21, protocol: tcp, port: 80, pools: [ { name: p, backends: { slow: {} } } ] }
dataplane: { kind: memory, startup-min-delay: 1s, startup-max-delay: 10s }
`);
      assert.equal((await s.health.get("st2"))?.state, "up");
      assert.deepEqual(s.as("static-only", "10.0.0.10"), { weight: 100, flushed: false });
    } finally {
      await s.stop();
    }
  });
});
