/**
 * Model-based property tests (style guide rule 39): the ring-buffer mailbox
 * against a plain array with the same overflow policy, and the backoff/jitter
 * bounds over arbitrary options.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { backoffDelay, SlidingWindow } from "../../../actors/runtime/backoff.js";
import { Mailbox, type OverflowPolicy } from "../../../actors/runtime/mailbox.js";

type Op = { op: "offer"; v: number } | { op: "shift" } | { op: "clear" };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.integer().map((v) => ({ op: "offer" as const, v })) },
  { weight: 3, arbitrary: fc.constant({ op: "shift" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "clear" as const }) },
);

describe("Mailbox model", () => {
  it("behaves like a bounded array under any op sequence", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom<OverflowPolicy>("drop-newest", "drop-oldest"),
        fc.array(opArb, { maxLength: 300 }),
        (capacity, overflow, ops) => {
          const mb = new Mailbox<number>({ capacity, overflow });
          const model: number[] = [];
          for (const o of ops) {
            if (o.op === "offer") {
              const r = mb.offer(o.v);
              if (model.length < capacity) {
                model.push(o.v);
                assert.equal(r.kind, "queued");
              } else if (overflow === "drop-newest") {
                assert.equal(r.kind, "refused");
              } else {
                const evicted = model.shift();
                model.push(o.v);
                assert.deepEqual(r, { kind: "evicted", evicted });
              }
            } else if (o.op === "shift") {
              assert.equal(mb.shift(), model.shift());
            } else {
              assert.equal(mb.clear(), model.length);
              model.length = 0;
            }
            assert.equal(mb.size, model.length);
            assert.ok(mb.size <= capacity);
            assert.deepEqual(mb.toArray(), model);
          }
        },
      ),
    );
  });
});

describe("backoff", () => {
  it("stays within [1 - jitter, 1 + jitter] of min(max, initial * factor^n) and never goes negative", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 600_000 }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, initialMs, maxMs, factor, jitter, r) => {
          const d = backoffDelay(attempt, { initialMs, maxMs, factor, jitter }, () => r);
          const base = Math.min(maxMs, initialMs * factor ** attempt);
          assert.ok(d >= 0);
          assert.ok(d >= base * (1 - jitter) - 1e-9 && d <= base * (1 + jitter) + 1e-9);
        },
      ),
    );
  });

  it("is non-decreasing in the attempt number for a fixed random draw", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, r) => {
          const o = { initialMs: 100, maxMs: 30_000, factor: 2, jitter: 0.2 };
          assert.ok(backoffDelay(n + 1, o, () => r) >= backoffDelay(n, o, () => r));
        },
      ),
    );
  });

  it("SlidingWindow counts exactly the events newer than the window", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 100 }),
        fc.integer({ min: 1, max: 500 }),
        (steps, w) => {
          const win = new SlidingWindow(w);
          const stamps: number[] = [];
          let now = 0;
          for (const s of steps) {
            now += s;
            win.record(now);
            stamps.push(now);
            assert.equal(win.count(now), stamps.filter((t) => t > now - w).length);
          }
        },
      ),
    );
  });
});
