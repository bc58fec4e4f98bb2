import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type AuthConfig, authConfig } from "../../../protocols/bfd/auth.js";
import { AUTH_TYPES } from "../../../protocols/bfd/packet.js";
import type { SessionConfig } from "../../../protocols/bfd/session-types.js";
import { Diag } from "../../../protocols/bfd/types.js";
import { config, seeded } from "../../unit/bfd/harness.js";
import { TwoNodeSim } from "./sim.js";

interface Side {
  readonly mult: number;
  readonly txMs: number;
  readonly rxMs: number;
}

const sideArb: fc.Arbitrary<Side> = fc.record(
  {
    mult: fc.integer({ min: 1, max: 5 }),
    txMs: fc.integer({ min: 20, max: 500 }),
    rxMs: fc.integer({ min: 20, max: 500 }),
  },
  { noNullPrototype: true },
);

const setupArb: fc.Arbitrary<Setup> = fc.record(
  { a: sideArb, b: sideArb, delay: fc.double({ min: 0.1, max: 5, noNaN: true }), seed: fc.nat() },
  { noNullPrototype: true },
);

function cfg(discr: number, s: Side, auth: AuthConfig | null = null): SessionConfig {
  return config({
    localDiscr: discr,
    detectMult: s.mult,
    desiredMinTxUs: s.txMs * 1000,
    requiredMinRxUs: s.rxMs * 1000,
    auth,
  });
}

interface Setup {
  readonly a: Side;
  readonly b: Side;
  readonly delay: number;
  readonly seed: number;
}

function sim(setup: Setup): TwoNodeSim {
  return new TwoNodeSim(cfg(0x1111, setup.a), cfg(0x2222, setup.b), setup.delay, [
    seeded(setup.seed),
    seeded(setup.seed + 1),
  ]);
}

/** Per-direction loss: alternate delivered runs (≥ 1) and lost runs (< the sender's Detect Mult). */
function boundedLoss(runs: readonly (readonly [number, number])[], mult: number): (n: number) => boolean {
  const pattern: boolean[] = [];
  for (const [keep, drop] of runs) {
    for (let i = 0; i < keep; i++) pattern.push(false);
    for (let i = 0; i < drop % mult; i++) pattern.push(true);
  }
  if (pattern.length === 0) pattern.push(false);
  return (n) => pattern[n % pattern.length] ?? false;
}

const runsArb = fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.nat({ max: 10 })), {
  minLength: 1,
  maxLength: 20,
});

describe("bfd two-node simulation (virtual clock)", () => {
  it("a clean channel converges to Up within 3 s and stays Up", () => {
    fc.assert(
      fc.property(setupArb, (setup) => {
        const s = sim(setup);
        s.runUntil(3000);
        assert.ok(s.bothUp(), JSON.stringify(s.transitions));
        s.runUntil(15_000);
        assert.deepEqual(s.downsSince(0), []);
        // The Poll started on going Up completed on both sides.
        assert.equal(s.nodes[0].session.poll, null);
        assert.equal(s.nodes[1].session.poll, null);
      }),
      { numRuns: 40 },
    );
  });

  it("loss runs shorter than Detect Mult never take an Up session down", () => {
    fc.assert(
      fc.property(setupArb, runsArb, runsArb, (setup, runsA, runsB) => {
        const s = sim(setup);
        s.runUntil(3000);
        assert.ok(s.bothUp());
        const lossA = boundedLoss(runsA, setup.a.mult);
        const lossB = boundedLoss(runsB, setup.b.mult);
        s.loss = (from, n) => (from === 0 ? lossA(n) : lossB(n));
        s.runUntil(15_000);
        assert.deepEqual(s.downsSince(3000), []);
      }),
      { numRuns: 40 },
    );
  });

  it("a partition drives both sides Down with diag 1 within a Detection Time, and they stay Down", () => {
    fc.assert(
      fc.property(setupArb, (setup) => {
        const s = sim(setup);
        s.runUntil(3000);
        assert.ok(s.bothUp());
        s.loss = () => true;
        // Detection Time at A = B.mult × max(A.rx, B.tx) (and symmetrically); allow the delay.
        const detA = setup.b.mult * Math.max(setup.a.rxMs, setup.b.txMs);
        const detB = setup.a.mult * Math.max(setup.b.rxMs, setup.a.txMs);
        s.runUntil(3000 + Math.max(detA, detB) + 10);
        for (const n of s.nodes) {
          assert.equal(n.session.state, "Down");
          assert.equal(n.session.diag, Diag.ControlDetectionExpired);
        }
        s.runUntil(20_000);
        assert.ok(s.transitions.every((t) => t.at <= 3000 || t.action.to !== "Up"));
      }),
      { numRuns: 40 },
    );
  });

  it("authenticated sessions converge with every auth type, and a key mismatch never comes Up", () => {
    const te = new TextEncoder();
    const auth = (type: (typeof AUTH_TYPES)[number], secret: string): AuthConfig => {
      const r = authConfig(type, [{ id: 3, secret: te.encode(secret) }], 3);
      assert.ok(r.ok);
      return r.value;
    };
    fc.assert(
      fc.property(setupArb, fc.constantFrom(...AUTH_TYPES), (setup, type) => {
        const good = new TwoNodeSim(
          cfg(1, setup.a, auth(type, "same")),
          cfg(2, setup.b, auth(type, "same")),
          setup.delay,
          [seeded(setup.seed), seeded(setup.seed + 1)],
        );
        good.runUntil(10_000);
        assert.ok(good.bothUp());
        assert.deepEqual(good.discards, []);
        const bad = new TwoNodeSim(
          cfg(1, setup.a, auth(type, "one")),
          cfg(2, setup.b, auth(type, "two")),
          setup.delay,
          [seeded(setup.seed), seeded(setup.seed + 1)],
        );
        bad.runUntil(10_000);
        assert.equal(bad.transitions.length, 0);
        assert.ok(bad.discards.length > 0 && bad.discards.every((c) => c.startsWith("AUTH_BAD")));
      }),
      { numRuns: 20 },
    );
  });
});
