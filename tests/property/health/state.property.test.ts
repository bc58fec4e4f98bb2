import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { millis } from "../../../protocols/common/time.js";
import { counterMax } from "../../../protocols/health/counter.js";
import type { ProbeFailureCode } from "../../../protocols/health/probe-result.js";
import { PROBE_FAILURE_CODES } from "../../../protocols/health/probe-result.js";
import type { HealthEvent, HealthStatus, OperatorAction } from "../../../protocols/health/types.js";
import { OPERATOR_ACTIONS } from "../../../protocols/health/types.js";
import { Driver, fail, makeCore, pass } from "../../unit/health/harness.js";

/** One step of a generated history, resolved against the current state by {@link apply}. */
type Op =
  | { readonly kind: "fire" }
  | { readonly kind: "result"; readonly ok: boolean; readonly code: ProbeFailureCode }
  | { readonly kind: "operator"; readonly action: OperatorAction }
  | { readonly kind: "stale-due"; readonly token: number }
  | { readonly kind: "stale-result"; readonly token: number; readonly ok: boolean }
  | { readonly kind: "advance"; readonly ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Op>({ kind: "fire" }) },
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.boolean(), fc.constantFrom(...PROBE_FAILURE_CODES))
      .map(([ok, code]): Op => ({ kind: "result", ok, code })),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(...OPERATOR_ACTIONS).map((action): Op => ({ kind: "operator", action })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: -5, max: 50 }).map((token): Op => ({ kind: "stale-due", token })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: -5, max: 50 }), fc.boolean())
      .map(([token, ok]): Op => ({ kind: "stale-result", token, ok })),
  },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 10_000 }).map((ms): Op => ({ kind: "advance", ms })) },
);

/** Turn an op into an event the way a (possibly late or confused) shell would. */
function eventFor(d: Driver, op: Op): HealthEvent | undefined {
  const slot = d.state.probe;
  switch (op.kind) {
    case "fire":
      return slot.kind === "armed" ? { kind: "probe-due", token: slot.token } : undefined;
    case "result":
      if (slot.kind !== "running") return undefined;
      return { kind: "probe-result", token: slot.token, result: op.ok ? pass() : fail(op.code) };
    case "operator":
      return { kind: "operator", action: op.action };
    case "stale-due":
      return { kind: "probe-due", token: op.token };
    case "stale-result":
      return { kind: "probe-result", token: op.token, result: op.ok ? pass() : fail() };
    case "advance":
      d.now += op.ms;
      return undefined;
  }
}

const PROBED: readonly HealthStatus[] = ["unknown", "up", "down"];
const thresholdsArb = fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }));

describe("health core properties", () => {
  it("invariants hold after every event of any history; idle backends are never probed", () => {
    fc.assert(
      fc.property(
        thresholdsArb,
        fc.boolean(),
        fc.integer({ min: 1, max: 4 }),
        fc.array(opArb, { maxLength: 80 }),
        ([rise, fall], isStatic, historyLimit, ops) => {
          const d = new Driver(makeCore(rise, fall, { static: isStatic, historyLimit }));
          const max = rise + fall - 1;
          for (const op of ops) {
            const before = d.state;
            const event = eventFor(d, op);
            if (event === undefined) continue;
            const actions = d.send(event);
            const s = d.state;
            assert.ok(s.counter >= 0 && s.counter <= max, `counter ${s.counter} in [0, ${max}]`);
            if (s.status === "up") assert.ok(s.counter >= rise);
            if (s.status === "down") assert.ok(s.counter < rise);
            if (s.status === "unknown") assert.equal(s.counter, rise - 1);
            const probed = PROBED.includes(s.status);
            assert.equal(s.probe.kind !== "idle", probed && !isStatic, `slot ${s.probe.kind} in ${s.status}`);
            assert.ok(s.history.length <= historyLimit);
            let status = before.status;
            for (const a of actions) {
              if (a.kind === "transition") {
                assert.equal(a.record.from, status);
                assert.notEqual(a.record.to, a.record.from);
                status = a.record.to;
              }
              if (a.kind === "run-probe") {
                assert.ok(probed, `run-probe emitted in ${s.status}`);
                assert.ok(s.probe.kind === "running" && s.probe.token === a.token);
              }
              if (a.kind === "arm-probe") {
                assert.ok(probed && !isStatic);
                assert.equal(a.dueAt, d.now + a.delay);
              }
            }
            assert.equal(status, s.status);
            // Anything but an operator action leaves an unprobed backend untouched.
            if (!PROBED.includes(before.status) && event.kind !== "operator") {
              assert.equal(s, before);
              assert.deepEqual(actions, []);
            }
          }
        },
      ),
    );
  });

  it("from fully down exactly rise passes bring it up", () => {
    fc.assert(
      fc.property(thresholdsArb, ([rise, fall]) => {
        const d = new Driver(makeCore(rise, fall));
        d.fails(1);
        assert.equal(d.state.status, "down");
        assert.equal(d.state.counter, 0);
        d.passes(rise - 1);
        assert.equal(d.state.status, "down");
        d.passes(1);
        assert.equal(d.state.status, "up");
        assert.equal(d.state.counter, counterMax(d.core.config.thresholds));
      }),
    );
  });

  it("from fully up exactly fall failures bring it down", () => {
    fc.assert(
      fc.property(thresholdsArb, fc.array(fc.boolean(), { maxLength: 20 }), ([rise, fall], prefix) => {
        const d = new Driver(makeCore(rise, fall));
        for (const ok of prefix) d.probe(ok ? pass() : fail());
        d.passes(rise); // from any state, rise passes end fully up (counter.ts)
        assert.equal(d.state.status, "up");
        assert.equal(d.state.counter, rise + fall - 1);
        d.fails(fall - 1);
        assert.equal(d.state.status, "up");
        d.fails(1);
        assert.equal(d.state.status, "down");
      }),
    );
  });

  it("alternating results never flap: none from a fully up/down backend, at most one from anywhere (rise, fall ≥ 2)", () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 2, max: 6 })),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 40 }),
        ([rise, fall], prefix, firstOk, length) => {
          const d = new Driver(makeCore(rise, fall));
          for (const ok of prefix) d.probe(ok ? pass() : fail());
          const atExtreme = d.state.counter === 0 || d.state.counter === rise + fall - 1;
          const before = d.transitions().length;
          for (let i = 0; i < length; i++) d.probe((i % 2 === 0) === firstOk ? pass() : fail());
          const flips = d.transitions().length - before;
          assert.ok(flips <= (atExtreme ? 0 : 1), `${flips} transitions from counter ${d.state.counter}`);
        },
      ),
    );
  });

  it("never throws, whatever the random source, tokens or clock", () => {
    fc.assert(
      fc.property(
        thresholdsArb,
        fc.double(),
        fc.array(
          fc.tuple(
            fc.oneof(
              fc.integer().map((token): HealthEvent => ({ kind: "probe-due", token })),
              fc.tuple(fc.integer(), fc.boolean()).map(
                ([token, ok]): HealthEvent => ({
                  kind: "probe-result",
                  token,
                  result: ok ? pass() : fail(),
                }),
              ),
              fc
                .constantFrom(...OPERATOR_ACTIONS)
                .map((action): HealthEvent => ({ kind: "operator", action })),
            ),
            fc.double(),
            fc.boolean(),
          ),
          { maxLength: 40 },
        ),
        ([rise, fall], r, events) => {
          const core = makeCore(rise, fall, { random: () => r });
          let { state } = core.start(millis(0));
          for (const [event, now, aim] of events) {
            const slot = state.probe;
            // Sometimes aim at the live token so the machine really advances.
            const live =
              aim && event.kind !== "operator" && slot.kind !== "idle"
                ? { ...event, token: slot.token }
                : event;
            state = core.step(state, live, millis(now)).state;
          }
        },
      ),
    );
  });
});
