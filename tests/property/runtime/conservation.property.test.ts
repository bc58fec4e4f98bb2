/**
 * "Never silently lost": for any interleaving of tells, crashes, restarts and
 * a final stop, every message told to an actor is either handled or counted
 * in `magnetite_actor_dropped_messages_total` under exactly one reason, and
 * `tell`'s result agrees with the refusal counts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { FakeClock } from "../../../actors/runtime/clock.js";
import {
  type CrashPolicy,
  createActorSystem,
  type DropReason,
  stateless,
} from "../../../actors/runtime/index.js";

type Step = { kind: "tell"; boom: boolean } | { kind: "settle" } | { kind: "tick" };
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.boolean().map((boom) => ({ kind: "tell" as const, boom })) },
  { weight: 2, arbitrary: fc.constant({ kind: "settle" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "tick" as const }) },
);
const REASONS: DropReason[] = [
  "stopped",
  "mailbox-full",
  "mailbox-evicted",
  "crashed",
  "stale-timer",
  "late-reply",
];

describe("message conservation", () => {
  it("handled + dropped(by reason) = told, under crashes, restarts and stop", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom("drop-newest" as const, "drop-oldest" as const),
        fc.constantFrom<CrashPolicy>("restart", "resume", "stop"),
        fc.array(stepArb, { maxLength: 80 }),
        async (capacity, overflow, onCrash, steps) => {
          const clock = new FakeClock();
          const system = createActorSystem({
            clock,
            random: () => 0.5,
            onFatal: () => {},
            supervision: { maxRestarts: 1000, withinMs: 1000 },
          });
          let handled = 0;
          let refusedFull = 0;
          let refusedStopped = 0;
          const a = system.spawn(
            stateless<boolean>({
              kind: "p",
              mailbox: { capacity, overflow },
              onCrash,
              receive: (boom) => {
                if (boom) throw new Error("boom");
                handled += 1;
              },
            }),
            "p",
          );
          let told = 0;
          for (const s of steps) {
            if (s.kind === "tell") {
              told += 1;
              const r = a.tell(s.boom);
              if (!r.delivered) {
                if (r.reason === "mailbox-full") refusedFull += 1;
                else refusedStopped += 1;
              }
            } else if (s.kind === "settle") {
              await system.whenIdle();
            } else {
              await system.whenIdle();
              clock.runNext();
            }
          }
          await system.whenIdle();
          await system.stop();
          const dropped: Record<string, number> = {};
          for (const r of REASONS) dropped[r] = await system.metrics.dropped.value({ kind: "p", reason: r });
          const totalDropped = Object.values(dropped).reduce((x, y) => x + y, 0);
          assert.equal(handled + totalDropped, told, JSON.stringify({ handled, dropped, told }));
          // Every refusal tell reported was counted under the same reason (stopped also counts drained mail).
          assert.equal(refusedFull, dropped["mailbox-full"]);
          assert.ok(refusedStopped <= (dropped["stopped"] ?? 0));
          if (onCrash !== "stop") assert.equal(refusedStopped, 0);
        },
      ),
      { numRuns: 60 },
    );
  });
});
