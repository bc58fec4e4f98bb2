/**
 * The timer wheel against a model (style guide rule 39): under any sequence of
 * schedules (with or without slack), cancels and clock advances, every timer
 * not cancelled fires exactly once, never before its due instant and never
 * after its due instant rounded up to its slack grid; cancelled ones never fire.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { FakeClock } from "../../../actors/runtime/clock.js";
import { TimerWheel, type WheelEntry } from "../../../actors/runtime/timer-wheel.js";

type Op =
  | { op: "schedule"; delay: number; slack: number }
  | { op: "cancel"; pick: number }
  | { op: "advance"; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .record({ delay: fc.integer({ min: 0, max: 200 }), slack: fc.constantFrom(0, 1, 4, 10) })
      .map((r) => ({ op: "schedule" as const, ...r })),
  },
  { weight: 2, arbitrary: fc.nat().map((pick) => ({ op: "cancel" as const, pick })) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 60 }).map((ms) => ({ op: "advance" as const, ms })) },
);

type Timer = { due: number; latest: number; fired: number[]; cancelled: boolean; entry: WheelEntry };

describe("TimerWheel model", () => {
  it("fires each live timer once inside [due, due rounded up to its slack]", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        const clock = new FakeClock();
        const wheel = new TimerWheel(clock, 0, (e) => {
          throw e;
        });
        const timers: Timer[] = [];
        for (const o of ops) {
          if (o.op === "schedule") {
            const due = clock.now() + o.delay;
            const t: Timer = {
              due,
              latest: o.slack > 0 ? Math.ceil(due / o.slack) * o.slack : due,
              fired: [],
              cancelled: false,
              entry: { bucket: undefined, index: -1, fire: () => t.fired.push(clock.now()) },
            };
            timers.push(t);
            wheel.schedule(t.entry, o.delay, o.slack);
          } else if (o.op === "cancel") {
            const t = timers[o.pick % Math.max(1, timers.length)];
            if (t !== undefined && t.fired.length === 0) {
              t.cancelled = true;
              wheel.cancel(t.entry);
            }
          } else clock.advance(o.ms);
        }
        clock.advance(1000);
        for (const t of timers) {
          if (t.cancelled) assert.deepEqual(t.fired, []);
          else {
            assert.equal(t.fired.length, 1);
            const at = t.fired[0] as number;
            assert.ok(at >= t.due && at <= t.latest, `due ${t.due}, latest ${t.latest}, fired ${at}`);
          }
        }
        assert.equal(wheel.size, 0);
        assert.equal(clock.pending(), 0);
      }),
      { numRuns: 300 },
    );
  });
});
