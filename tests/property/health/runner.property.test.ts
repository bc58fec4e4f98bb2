/**
 * The in-place runner (protocols/health/runner.ts) against the pure core: on
 * any history of events, including stale tokens, operator actions and odd
 * random draws, both produce deep-equal states and actions, and the runner
 * reports "nothing happened" exactly when the core returns its input state
 * and no actions.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { millis } from "../../../protocols/common/time.js";
import { parseHealthConfig } from "../../../protocols/health/config.js";
import { parseThresholds } from "../../../protocols/health/counter.js";
import type { ProbeResult } from "../../../protocols/health/probe-result.js";
import { PROBE_FAILURE_CODES, probeFailure, probePass } from "../../../protocols/health/probe-result.js";
import { createHealthRunner } from "../../../protocols/health/runner.js";
import { createHealthCore } from "../../../protocols/health/state.js";
import type { HealthConfig, HealthEvent, OperatorAction } from "../../../protocols/health/types.js";
import { OPERATOR_ACTIONS } from "../../../protocols/health/types.js";

type Op =
  | { readonly kind: "fire" }
  | { readonly kind: "result"; readonly result: ProbeResult }
  | { readonly kind: "operator"; readonly action: OperatorAction }
  | { readonly kind: "due"; readonly token: number }
  | { readonly kind: "stale-result"; readonly token: number; readonly result: ProbeResult }
  | { readonly kind: "advance"; readonly ms: number };

const resultArb: fc.Arbitrary<ProbeResult> = fc.oneof(
  fc
    .tuple(fc.constantFrom("connected", "HTTP 200", ""), fc.double({ min: 0, max: 2000, noNaN: true }))
    .map(([detail, ms]) => probePass(detail, millis(ms))),
  fc
    .tuple(fc.constantFrom(...PROBE_FAILURE_CODES), fc.string({ maxLength: 8 }), fc.nat(2000))
    .map(([code, detail, ms]) => probeFailure(code, detail, millis(ms))),
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Op>({ kind: "fire" }) },
  { weight: 6, arbitrary: resultArb.map((result): Op => ({ kind: "result", result })) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(...OPERATOR_ACTIONS).map((action): Op => ({ kind: "operator", action })),
  },
  { weight: 1, arbitrary: fc.integer({ min: -2, max: 40 }).map((token): Op => ({ kind: "due", token })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: -2, max: 40 }), resultArb)
      .map(([token, result]): Op => ({ kind: "stale-result", token, result })),
  },
  {
    weight: 2,
    arbitrary: fc.double({ min: 0, max: 6000, noNaN: true }).map((ms): Op => ({ kind: "advance", ms })),
  },
);

function configOf(rise: number, fall: number, isStatic: boolean, historyLimit: number): HealthConfig {
  const cfg = parseHealthConfig(
    isStatic
      ? undefined
      : { interval: 1000, fastInterval: 200, downInterval: 5000, timeout: 100, rise, fall },
    historyLimit,
  );
  const th = parseThresholds(rise, fall);
  if (!cfg.ok || !th.ok) throw new Error("bad test config");
  return { ...cfg.value, thresholds: th.value };
}

/** A replayable random source: both machines must see the same draws in the same order. */
function draws(values: readonly number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] as number;
}

describe("health runner (in place) ≡ health core (pure)", () => {
  it("same states, same actions, same staleness on any history", () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })),
        fc.boolean(),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.array(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.double()), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.array(opArb, { maxLength: 80 }),
        ([rise, fall], isStatic, historyLimit, enabled, randoms, ops) => {
          const config = configOf(rise, fall, isStatic, historyLimit);
          const core = createHealthCore(config, draws(randoms));
          const runner = createHealthRunner(config, draws(randoms));
          let now = 1000.25;
          const started = core.start(millis(now), { enabled });
          const startActions = runner.start(millis(now), { enabled });
          assert.deepStrictEqual(runner.state, started.state);
          assert.deepStrictEqual(startActions, started.actions);
          let pure = started.state;
          for (const op of ops) {
            let event: HealthEvent | undefined;
            const slot = pure.probe;
            switch (op.kind) {
              case "fire":
                if (slot.kind === "armed") {
                  now = slot.dueAt;
                  event = { kind: "probe-due", token: slot.token };
                }
                break;
              case "result":
                if (slot.kind === "running")
                  event = { kind: "probe-result", token: slot.token, result: op.result };
                break;
              case "operator":
                event = { kind: "operator", action: op.action };
                break;
              case "due":
                event = { kind: "probe-due", token: op.token };
                break;
              case "stale-result":
                event = { kind: "probe-result", token: op.token, result: op.result };
                break;
              case "advance":
                now += op.ms;
                break;
            }
            if (event === undefined) continue;
            const out = core.step(pure, event, millis(now));
            // Alternate the runner's entry points: the specialised ones and the general one.
            const got =
              event.kind === "probe-due" && op.kind === "fire"
                ? runner.due(event.token, millis(now))
                : event.kind === "probe-result" && op.kind === "result"
                  ? runner.result(event.token, event.result, millis(now))
                  : runner.step(event, millis(now));
            if (out.state === pure && out.actions.length === 0) {
              assert.equal(got, undefined, `${event.kind} left the pure state as is`);
            } else {
              assert.notEqual(got, undefined, `${event.kind} changed the pure state`);
              assert.deepStrictEqual([...(got ?? [])], [...out.actions]);
            }
            assert.deepStrictEqual(runner.state, out.state);
            pure = out.state;
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a steady probe reuses the runner's objects: no new state, slot or record per probe", () => {
    const config = configOf(2, 3, false, 5);
    const runner = createHealthRunner(config, () => 0.5);
    runner.start(millis(0));
    const state = runner.state;
    const seen = new Set<unknown>();
    let now = 0;
    for (let i = 0; i < 20; i++) {
      const slot = runner.state.probe;
      assert.equal(slot.kind, "armed");
      if (slot.kind !== "armed") return;
      now = slot.dueAt;
      runner.due(slot.token, millis(now));
      seen.add(runner.state.probe);
      now += 2;
      runner.result(slot.token, probePass("connected", millis(2)), millis(now));
      seen.add(runner.state.probe);
      seen.add(runner.state.lastResult);
    }
    assert.equal(runner.state, state);
    assert.equal(runner.state.status, "up");
    assert.equal(seen.size, 3, "one armed slot, one running slot, one last-result record");
  });
});
