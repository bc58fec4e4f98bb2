import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "../../../actors/runtime/clock.js";
import { type Bucket, TimerWheel, type WheelEntry } from "../../../actors/runtime/timer-wheel.js";

/** An entry that records when it fired. */
function entry(name: string, clock: FakeClock, log: string[], then?: () => void): WheelEntry {
  return {
    bucket: undefined as Bucket | undefined,
    index: -1,
    fire() {
      log.push(`${name}@${clock.now()}`);
      then?.();
    },
  };
}

/** A fake clock whose timers, like Node's, may come up to 1 ms early. */
class EarlyClock extends FakeClock {
  readonly earlyMs = 1;
}

const noErrors = (e: unknown) => {
  throw e;
};

describe("timer wheel", () => {
  it("with no slack fires at the exact instants, in due order then arming order, on one clock timer", () => {
    const clock = new FakeClock();
    const wheel = new TimerWheel(clock, 0, noErrors);
    const log: string[] = [];
    wheel.schedule(entry("c", clock, log), 30);
    wheel.schedule(entry("a", clock, log), 10);
    wheel.schedule(entry("b", clock, log), 10);
    assert.equal(clock.pending(), 1);
    clock.advance(9);
    assert.deepEqual(log, []);
    clock.advance(1);
    assert.deepEqual(log, ["a@10", "b@10"]);
    clock.advance(100);
    assert.deepEqual(log, ["a@10", "b@10", "c@30"]);
    assert.equal(clock.pending(), 0);
    assert.equal(wheel.size, 0);
  });

  it("with slack groups timers on the slack grid: never early, at most the slack late", () => {
    const clock = new FakeClock();
    const wheel = new TimerWheel(clock, 1, noErrors);
    const log: string[] = [];
    wheel.schedule(entry("a", clock, log), 1, 10);
    wheel.schedule(entry("b", clock, log), 7, 10);
    wheel.schedule(entry("c", clock, log), 10, 10);
    wheel.schedule(entry("d", clock, log), 11, 10);
    wheel.schedule(entry("exact", clock, log), 3); // the default slack, 1 ms
    clock.advance(3);
    assert.deepEqual(log, ["exact@3"]);
    clock.advance(6);
    assert.deepEqual(log, ["exact@3"]);
    clock.advance(1);
    assert.deepEqual(log, ["exact@3", "a@10", "b@10", "c@10"]);
    clock.advance(10);
    assert.deepEqual(log.at(-1), "d@20");
  });

  it("cancelled timers do not fire; cancelling the earliest bucket re-arms for the next", () => {
    const clock = new FakeClock();
    const wheel = new TimerWheel(clock, 0, noErrors);
    const log: string[] = [];
    const a = entry("a", clock, log);
    const b = entry("b", clock, log);
    wheel.schedule(a, 5);
    wheel.schedule(b, 50);
    assert.equal(clock.nextDue(), 5);
    wheel.cancel(a);
    assert.equal(clock.nextDue(), 50);
    wheel.cancel(a); // twice: a no-op
    assert.equal(wheel.size, 1);
    clock.advance(100);
    assert.deepEqual(log, ["b@50"]);
    wheel.cancel(b); // after firing: a no-op
    assert.equal(clock.pending(), 0);
  });

  it("a timer cancelled by an earlier fire of the same bucket does not fire", () => {
    const clock = new FakeClock();
    const wheel = new TimerWheel(clock, 0, noErrors);
    const log: string[] = [];
    const b = entry("b", clock, log);
    wheel.schedule(
      entry("a", clock, log, () => wheel.cancel(b)),
      10,
    );
    wheel.schedule(b, 10);
    clock.advance(10);
    assert.deepEqual(log, ["a@10"]);
  });

  it("a timer armed while a bucket fires waits for the next clock timer, even with delay 0", () => {
    const clock = new FakeClock();
    const wheel = new TimerWheel(clock, 0, noErrors);
    const log: string[] = [];
    wheel.schedule(
      entry("a", clock, log, () => wheel.schedule(entry("again", clock, log), 0)),
      10,
    );
    wheel.schedule(entry("b", clock, log), 10);
    clock.advance(10);
    // The fake clock runs the follow-up timer within the same advance, but after the whole bucket.
    assert.deepEqual(log, ["a@10", "b@10", "again@10"]);
  });

  it("fires what is due within the clock's early tolerance instead of waking again", () => {
    const clock = new EarlyClock();
    const wheel = new TimerWheel(clock, 0, noErrors);
    const log: string[] = [];
    wheel.schedule(entry("a", clock, log), 10);
    wheel.schedule(entry("b", clock, log), 10.6);
    wheel.schedule(entry("c", clock, log), 12);
    clock.advance(10);
    assert.deepEqual(log, ["a@10", "b@10"]);
    clock.advance(1.5);
    assert.deepEqual(log, ["a@10", "b@10"]);
  });

  it("survives many re-armed long timers: only live ones fire, in due order", () => {
    const clock = new FakeClock();
    const wheel = new TimerWheel(clock, 0, noErrors);
    const log: string[] = [];
    const live: WheelEntry[] = [];
    // One timer re-armed 5,000 times with ever later due instants, as a detect timer is.
    let e = entry("long", clock, log);
    for (let i = 0; i < 5000; i++) {
      wheel.cancel(e);
      e = entry("long", clock, log);
      wheel.schedule(e, 3_600_000 + i);
    }
    for (const d of [30, 10, 20]) {
      const x = entry(`t${d}`, clock, log);
      live.push(x);
      wheel.schedule(x, d);
    }
    assert.equal(wheel.size, 4);
    clock.advance(4_000_000);
    assert.deepEqual(log, ["t10@10", "t20@20", "t30@30", "long@3604999"]);
  });

  it("reports a throwing timer and fires the rest of its bucket", () => {
    const clock = new FakeClock();
    const errors: unknown[] = [];
    const wheel = new TimerWheel(clock, 0, (e) => errors.push(e));
    const log: string[] = [];
    wheel.schedule(
      {
        bucket: undefined,
        index: -1,
        fire() {
          throw new Error("boom");
        },
      },
      5,
    );
    wheel.schedule(entry("after", clock, log), 5);
    clock.advance(5);
    assert.deepEqual(log, ["after@5"]);
    assert.equal((errors[0] as Error).message, "boom");
  });

  it("clear drops every timer and the clock timer", () => {
    const clock = new FakeClock();
    const wheel = new TimerWheel(clock, 0, noErrors);
    const log: string[] = [];
    const a = entry("a", clock, log);
    wheel.schedule(a, 5);
    wheel.clear();
    assert.equal(clock.pending(), 0);
    wheel.cancel(a); // harmless after clear
    clock.advance(10);
    assert.deepEqual(log, []);
  });
});
