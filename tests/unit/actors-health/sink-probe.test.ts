/**
 * The backend actor with a sink-form probe (`Probe.start`), as the native
 * TCP/HTTP probes are: results arrive through `sink.probeDone` and wait in
 * the actor's one result slot until its `probe-done` message is handled.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Probe, ProbeSink, ProbeTarget } from "../../../dataplane/probes/index.js";
import { ok } from "../../../protocols/common/result.js";
import { millis } from "../../../protocols/common/time.js";
import { probeFailure, probePass } from "../../../protocols/health/index.js";
import { backend, harness } from "./harness.js";

/** Probes that wait for the test to answer them. */
class Held {
  readonly started: { sink: ProbeSink; tag: number; signal: AbortSignal | undefined }[] = [];
  probe(): Probe {
    return {
      kind: "tcp",
      run: () => Promise.reject(new Error("the actor must use start")),
      start: (_target: ProbeTarget, signal: AbortSignal | undefined, sink: ProbeSink, tag: number) => {
        this.started.push({ sink, tag, signal });
      },
    };
  }
  pass(i: number): void {
    const p = this.started[i];
    p?.sink.probeDone(p.tag, probePass("connected", millis(1)));
  }
  fail(i: number): void {
    const p = this.started[i];
    p?.sink.probeDone(p.tag, probeFailure("refused", "refused", millis(1)));
  }
}

describe("health backend actor, sink-form probes", () => {
  it("results reported through the sink drive the state; one probe in flight at a time", async () => {
    const held = new Held();
    const h = await harness([backend("web1", "192.0.2.1")], {
      service: { makeProbe: () => ok(held.probe()) },
    });
    await h.advance(150);
    assert.equal(held.started.length, 1);
    await h.advance(1000);
    assert.equal(held.started.length, 1, "no second probe while the first is in flight");
    held.pass(0);
    await h.settle();
    assert.equal((await h.service.get("web1"))?.state, "up");
    assert.equal(
      await h.system.registry
        .getSingleMetric("magnetite_health_probes_total")
        ?.get()
        .then((m) => m.values.reduce((s, v) => s + v.value, 0)),
      1,
    );
    await h.advance(1100);
    assert.equal(held.started.length, 2);
    held.fail(1);
    await h.settle();
    const snap = await h.service.get("web1");
    assert.equal(snap?.state, "up");
    assert.equal(snap?.counter, 3);
    assert.equal(snap?.lastResult?.code, "refused");
    await h.close();
  });

  it("pause aborts the probe in flight; its late result is dropped, and a result reported twice counts once", async () => {
    const held = new Held();
    const h = await harness([backend("web1", "192.0.2.1")], {
      service: { makeProbe: () => ok(held.probe()) },
    });
    await h.advance(150);
    assert.equal(held.started.length, 1);
    assert.equal(held.started[0]?.signal?.aborted, false);
    assert.equal((await h.service.operate("web1", "pause")).ok, true);
    assert.equal(held.started[0]?.signal?.aborted, true, "the paused backend's probe is stopped (§3.1)");
    held.pass(0);
    await h.settle();
    let snap = await h.service.get("web1");
    assert.equal(snap?.state, "paused");
    assert.equal(snap?.lastResult, undefined, "the aborted probe's result is not recorded");
    assert.equal((await h.service.operate("web1", "resume")).ok, true);
    await h.advance(150);
    assert.equal(held.started.length, 2);
    assert.equal(held.started[1]?.signal?.aborted, false, "a fresh signal after the abort");
    held.fail(1);
    held.fail(1);
    await h.settle();
    snap = await h.service.get("web1");
    assert.equal(snap?.state, "down");
    assert.equal(snap?.history.filter((r) => r.to === "down").length, 1);
    await h.close();
  });
});
