import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { millis } from "../../../protocols/common/time.js";
import { probeFailure } from "../../../protocols/health/probe-result.js";
import type { HealthStatus, OperatorAction } from "../../../protocols/health/types.js";
import { HEALTH_STATUSES, OPERATOR_ACTIONS } from "../../../protocols/health/types.js";
import { Driver, fail, makeCore, pass } from "./harness.js";

/** A driver (rise 2, fall 3) brought into `status` by events only. */
function inStatus(status: HealthStatus, options: { static?: boolean } = {}): Driver {
  const d = new Driver(makeCore(2, 3, options));
  switch (status) {
    case "unknown":
      break;
    case "up":
      if (options.static !== true) d.passes(1);
      break;
    case "down":
      d.fails(1);
      break;
    case "paused":
    case "disabled":
    case "removed":
      d.op(status === "paused" ? "pause" : status === "disabled" ? "disable" : "remove");
      break;
  }
  assert.equal(d.state.status, status);
  return d;
}

type Row =
  | { to: HealthStatus; transition: boolean }
  | { reject: "HC_E_BACKEND_DISABLED" | "HC_E_BACKEND_REMOVED" };
const go = (to: HealthStatus): Row => ({ to, transition: true });
const stay = (to: HealthStatus): Row => ({ to, transition: false });
const DIS = { reject: "HC_E_BACKEND_DISABLED" } as const;
const REM = { reject: "HC_E_BACKEND_REMOVED" } as const;

// Expected outcome of every operator action in every state, for a backend
// with a health check (maglev-vpp.md §3.5, idempotency keyed on state).
// Written independently of OPERATOR_TABLE so the test is not a tautology.
const EXPECTED: Record<HealthStatus, Record<OperatorAction, Row>> = {
  unknown: {
    pause: go("paused"),
    resume: stay("unknown"),
    disable: go("disabled"),
    enable: stay("unknown"),
    remove: go("removed"),
  },
  up: {
    pause: go("paused"),
    resume: stay("up"),
    disable: go("disabled"),
    enable: stay("up"),
    remove: go("removed"),
  },
  down: {
    pause: go("paused"),
    resume: stay("down"),
    disable: go("disabled"),
    enable: stay("down"),
    remove: go("removed"),
  },
  paused: {
    pause: stay("paused"),
    resume: go("unknown"),
    disable: go("disabled"),
    enable: stay("paused"),
    remove: go("removed"),
  },
  disabled: {
    pause: DIS,
    resume: DIS,
    disable: stay("disabled"),
    enable: go("unknown"),
    remove: go("removed"),
  },
  removed: { pause: REM, resume: REM, disable: REM, enable: REM, remove: stay("removed") },
};

describe("health state machine: operator truth table (maglev-vpp.md §3.5)", () => {
  for (const status of HEALTH_STATUSES) {
    for (const action of OPERATOR_ACTIONS) {
      const row = EXPECTED[status][action];
      const label =
        "reject" in row ? `rejects with ${row.reject}` : `${row.transition ? "enters" : "stays"} ${row.to}`;
      it(`${action} in ${status} ${label}`, () => {
        const d = inStatus(status);
        const before = d.state;
        const actions = d.op(action);
        if ("reject" in row) {
          assert.equal(d.state, before, "state object unchanged on reject");
          assert.equal(actions.length, 1);
          assert.equal(actions[0]?.kind, "reject");
          assert.equal(actions[0]?.kind === "reject" && actions[0].error.code, row.reject);
          return;
        }
        assert.equal(d.state.status, row.to);
        const transitions = actions.filter((a) => a.kind === "transition");
        assert.equal(transitions.length, row.transition ? 1 : 0);
        // The flag follows enable/disable even when the state does not move (§3.5).
        const expectedFlag = action === "enable" ? true : action === "disable" ? false : before.enabled;
        assert.equal(d.state.enabled, expectedFlag);
        // Probing runs exactly in unknown/up/down.
        const probing = row.to === "unknown" || row.to === "up" || row.to === "down";
        assert.equal(d.state.probe.kind !== "idle", probing, `probe slot in ${row.to}`);
        const slot = before.probe;
        if (slot.kind !== "idle" && !probing) {
          assert.ok(actions.some((a) => a.kind === "cancel-probe" && a.token === slot.token));
        }
        if (row.to === "unknown" && row.transition)
          assert.equal(d.state.counter, 1, "counter pre-loaded to rise-1");
      });
    }
  }
});

// Probe results from every probed situation (rise 2, fall 3, Max 4).
// interval 1000, fast 200, down 5000; random 0.5 ⇒ no jitter.
const RESULTS: readonly {
  name: string;
  setup: (d: Driver) => void;
  from: [HealthStatus, number];
  pass: [HealthStatus, number, number];
  fail: [HealthStatus, number, number];
}[] = [
  { name: "unknown", setup: () => {}, from: ["unknown", 1], pass: ["up", 4, 1000], fail: ["down", 0, 5000] },
  {
    name: "up, fully",
    setup: (d) => d.passes(1),
    from: ["up", 4],
    pass: ["up", 4, 1000],
    fail: ["up", 3, 200],
  },
  {
    name: "up, failing once",
    setup: (d) => {
      d.passes(1);
      d.fails(1);
    },
    from: ["up", 3],
    pass: ["up", 4, 1000],
    fail: ["up", 2, 200],
  },
  {
    name: "up, one fail from down",
    setup: (d) => {
      d.passes(1);
      d.fails(2);
    },
    from: ["up", 2],
    pass: ["up", 4, 1000],
    fail: ["down", 0, 5000],
  },
  {
    name: "down, fully",
    setup: (d) => d.fails(1),
    from: ["down", 0],
    pass: ["down", 1, 200],
    fail: ["down", 0, 5000],
  },
  {
    name: "down, recovering",
    setup: (d) => {
      d.fails(1);
      d.passes(1);
    },
    from: ["down", 1],
    pass: ["up", 4, 1000],
    fail: ["down", 0, 5000],
  },
];

describe("health state machine: probe-result truth table (§3.2, §3.3)", () => {
  for (const row of RESULTS) {
    for (const outcome of ["pass", "fail"] as const) {
      const [to, counter, delay] = row[outcome];
      it(`${outcome} in ${row.name} → ${to}, counter ${counter}, next probe in ${delay} ms`, () => {
        const d = new Driver(makeCore(2, 3));
        row.setup(d);
        assert.deepEqual([d.state.status, d.state.counter], row.from);
        const actions = d.probe(outcome === "pass" ? pass() : fail());
        assert.equal(d.state.status, to);
        assert.equal(d.state.counter, counter);
        const transitions = actions.filter((a) => a.kind === "transition");
        assert.equal(transitions.length, to === row.from[0] ? 0 : 1);
        const armed = actions.at(-1);
        assert.equal(armed?.kind, "arm-probe");
        assert.equal(armed?.kind === "arm-probe" && armed.delay, delay);
      });
    }
  }
});

describe("health state machine: scenarios", () => {
  it("start arms one probe at a random offset inside the first fast-interval", () => {
    const d = new Driver(makeCore(2, 3, { random: () => 0.25 }));
    assert.equal(d.state.status, "unknown");
    assert.deepEqual(d.last, [{ kind: "arm-probe", token: 0, delay: 50, dueAt: 50 }]);
  });

  it("a backend without a health check is up at once and never probed (§3.6)", () => {
    const d = new Driver(makeCore(2, 3, { static: true }));
    assert.equal(d.state.status, "up");
    assert.equal(d.state.counter, 4);
    assert.equal(d.last.length, 1);
    const first = d.last[0];
    assert.equal(first?.kind === "transition" && first.record.code, "no-healthcheck");
    assert.equal(d.state.probe.kind, "idle");
    d.op("pause");
    assert.equal(d.state.status, "paused");
    d.op("resume");
    assert.equal(d.state.status, "up");
    d.op("disable");
    d.op("enable");
    assert.equal(d.state.status, "up");
    assert.deepEqual(d.transitions(), [
      "unknown->up",
      "up->paused",
      "paused->up",
      "up->disabled",
      "disabled->up",
    ]);
    assert.ok(!d.actions.some((a) => a.kind === "arm-probe" || a.kind === "run-probe"));
  });

  it("enabled: false in config starts disabled without probing", () => {
    const d = new Driver(makeCore(2, 3), { enabled: false });
    assert.equal(d.state.status, "disabled");
    assert.equal(d.state.enabled, false);
    assert.deepEqual(d.transitions(), ["unknown->disabled"]);
    assert.equal(d.state.probe.kind, "idle");
  });

  it("pause cancels the armed timer and its late fire is ignored", () => {
    const d = new Driver(makeCore(2, 3));
    const token = d.state.probe.kind === "armed" ? d.state.probe.token : -1;
    assert.ok(d.op("pause").some((a) => a.kind === "cancel-probe" && a.token === token));
    const paused = d.state;
    assert.deepEqual(d.send({ kind: "probe-due", token }), []);
    assert.equal(d.state, paused);
  });

  it("a result arriving after pause is not counted, nor after a resume re-armed a new token", () => {
    const d = new Driver(makeCore(2, 3));
    const slot = d.state.probe;
    assert.equal(slot.kind, "armed");
    const token = slot.kind === "armed" ? slot.token : -1;
    d.send({ kind: "probe-due", token });
    d.op("pause");
    assert.deepEqual(d.send({ kind: "probe-result", token, result: fail() }), []);
    d.op("resume");
    assert.deepEqual(d.send({ kind: "probe-result", token, result: fail() }), []);
    assert.equal(d.state.status, "unknown");
    assert.equal(d.state.counter, 1);
    assert.equal(d.state.lastResult, undefined);
  });

  it("probe-due for a running probe or an unknown token does nothing", () => {
    const d = new Driver(makeCore(2, 3));
    const token = d.state.probe.kind === "armed" ? d.state.probe.token : -1;
    assert.deepEqual(d.send({ kind: "probe-due", token: token + 7 }), []);
    d.send({ kind: "probe-due", token });
    const running = d.state;
    assert.deepEqual(d.send({ kind: "probe-due", token }), []);
    assert.equal(d.state, running);
  });

  it("from fully up exactly fall failures go down; the record carries the last probe's code and detail", () => {
    const d = new Driver(makeCore(2, 3));
    d.passes(1);
    d.fails(2);
    assert.equal(d.state.status, "up");
    d.now = 10_000;
    d.probe(probeFailure("timeout", "no answer in 100 ms", millis(100)));
    assert.equal(d.state.status, "down");
    const rec = d.state.history.at(-1);
    assert.deepEqual(
      { from: rec?.from, to: rec?.to, code: rec?.code, detail: rec?.detail, counter: rec?.counter },
      { from: "up", to: "down", code: "timeout", detail: "no answer in 100 ms", counter: 0 },
    );
    assert.equal(d.state.since, rec?.at);
  });

  it("any failure while unknown goes straight to down, even with a large rise (§3.2)", () => {
    const d = new Driver(makeCore(5, 5));
    d.probe(fail("reset"));
    assert.equal(d.state.status, "down");
    assert.equal(d.state.counter, 0);
    assert.equal(d.state.history.at(-1)?.code, "reset");
  });

  it("enable after disable restarts probing from unknown (bug 3 in §10)", () => {
    const d = new Driver(makeCore(2, 3));
    d.passes(1);
    d.op("disable");
    d.op("disable");
    assert.equal(d.transitions().filter((t) => t === "up->disabled").length, 1);
    d.op("enable");
    assert.equal(d.state.status, "unknown");
    assert.equal(d.state.enabled, true);
    assert.equal(d.state.probe.kind, "armed");
    d.passes(1);
    assert.equal(d.state.status, "up");
  });

  it("history keeps only the last transition-history records, oldest first", () => {
    const d = new Driver(makeCore(1, 1, { historyLimit: 3 }));
    d.passes(1);
    d.fails(1);
    d.passes(1);
    d.fails(1);
    assert.deepEqual(d.transitions(), ["unknown->up", "up->down", "down->up", "up->down"]);
    assert.deepEqual(
      d.state.history.map((r) => `${r.from}->${r.to}`),
      ["up->down", "down->up", "up->down"],
    );
  });

  it("a fresh worker keeps the previous history, continues tokens and cancels the old probe", () => {
    const core = makeCore(2, 3);
    const d = new Driver(core);
    d.passes(1);
    const old = d.state;
    const oldToken = old.probe.kind === "armed" ? old.probe.token : -1;
    const out = core.start(millis(500), { previous: old });
    assert.deepEqual(out.actions[0], { kind: "cancel-probe", token: oldToken });
    assert.equal(out.state.status, "unknown");
    assert.deepEqual(out.state.history, old.history);
    const next = out.state.probe;
    assert.ok(next.kind === "armed" && next.token > oldToken);
    assert.deepEqual(core.step(out.state, { kind: "probe-due", token: oldToken }, millis(600)).actions, []);
  });

  it("reject messages name the action and the state", () => {
    const d = inStatus("disabled");
    const [a] = d.op("pause");
    assert.equal(a?.kind === "reject" && a.error.message, "cannot pause a disabled backend");
  });
});
