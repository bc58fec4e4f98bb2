/**
 * Probe waiters on an owner's signal (dataplane/probes/waiters.ts): the
 * plain `linkWaiter` and the `LastSignal` cache a probe keeps for the signal
 * it was handed last must agree — one list per signal, an abort reaches
 * every linked waiter once, an aborted signal links nothing, and a new
 * signal (the owner replaced its controller) is picked up.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  LastSignal,
  linkWaiter,
  unlinkWaiter,
  type Waiter,
  type WaiterList,
} from "../../../dataplane/probes/waiters.js";

class TestWaiter implements Waiter {
  waiters: WaiterList | undefined = undefined;
  prevWaiter: Waiter | undefined = undefined;
  nextWaiter: Waiter | undefined = undefined;
  abortedCalls = 0;
  aborted(): void {
    this.abortedCalls += 1;
  }
}

describe("probe waiters", () => {
  it("a LastSignal links into the same list as linkWaiter; an abort reaches each linked waiter once", () => {
    const c = new AbortController();
    const last = new LastSignal();
    const a = new TestWaiter();
    const b = new TestWaiter();
    const d = new TestWaiter();
    assert.equal(last.link(a, c.signal), true);
    assert.equal(linkWaiter(b, c.signal), true);
    assert.equal(last.link(d, c.signal), true);
    assert.equal(a.waiters, b.waiters);
    assert.equal(a.waiters, d.waiters);
    unlinkWaiter(d);
    c.abort();
    assert.deepEqual(
      [a, b, d].map((w) => w.abortedCalls),
      [1, 1, 0],
    );
    assert.equal(a.waiters, undefined);
  });

  it("an aborted signal links nothing, through the cache or not, before or after first sight", () => {
    const seen = new AbortController();
    const last = new LastSignal();
    assert.equal(last.link(new TestWaiter(), seen.signal), true);
    seen.abort();
    const w = new TestWaiter();
    assert.equal(last.link(w, seen.signal), false);
    assert.equal(linkWaiter(w, seen.signal), false);
    assert.equal(w.waiters, undefined);

    const never = new AbortController();
    never.abort();
    assert.equal(new LastSignal().link(w, never.signal), false);
    assert.equal(linkWaiter(w, never.signal), false);
    assert.equal(w.abortedCalls, 0);
  });

  it("a new signal replaces the cached one; the old signal's abort no longer reaches new waiters", () => {
    const last = new LastSignal();
    const first = new AbortController();
    const old = new TestWaiter();
    assert.equal(last.link(old, first.signal), true);
    first.abort();
    assert.equal(old.abortedCalls, 1);
    const second = new AbortController();
    const fresh = new TestWaiter();
    assert.equal(last.link(fresh, second.signal), true);
    assert.notEqual(fresh.waiters, undefined);
    assert.equal(fresh.abortedCalls, 0);
    second.abort();
    assert.equal(fresh.abortedCalls, 1);
  });
});
