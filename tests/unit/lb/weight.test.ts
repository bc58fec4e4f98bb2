import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  activePoolIndex,
  BACKEND_STATES,
  type BackendState,
  effectiveWeight,
  frontendState,
} from "../../../protocols/lb/index.js";

/** §4.2 as data: state → (in active pool, flush-on-down) → expected. */
const TABLE: Record<BackendState, (active: boolean, fod: boolean) => { weight: number; flush: boolean }> = {
  up: (active) => ({ weight: active ? 70 : 0, flush: false }),
  down: (_a, fod) => ({ weight: 0, flush: fod }),
  disabled: () => ({ weight: 0, flush: true }),
  unknown: () => ({ weight: 0, flush: false }),
  paused: () => ({ weight: 0, flush: false }),
  removed: () => ({ weight: 0, flush: true }),
};

describe("lb effective weight truth table (§4.2)", () => {
  for (const state of BACKEND_STATES) {
    for (const active of [true, false]) {
      for (const fod of [true, false]) {
        it(`${state}, ${active ? "active" : "standby"} pool, flush-on-down=${fod}`, () => {
          assert.deepEqual(effectiveWeight(state, active, 70, fod), TABLE[state](active, fod));
        });
      }
    }
  }
  it("never flushes a backend that keeps a non-zero weight", () => {
    for (const s of BACKEND_STATES)
      for (const a of [true, false])
        for (const f of [true, false]) {
          const e = effectiveWeight(s, a, 100, f);
          assert.ok(!(e.flush && e.weight > 0));
        }
  });
});

describe("lb active pool index (§4.1)", () => {
  const m = (state: BackendState, weight = 100) => ({ state, weight });
  const cases: [string, Parameters<typeof activePoolIndex>[0], number][] = [
    ["primary up wins", [[m("up")], [m("up")]], 0],
    ["primary down fails over to secondary", [[m("down")], [m("up")]], 1],
    ["zero-weight primary is skipped (bug §10.8)", [[m("up", 0)], [m("up")]], 1],
    ["third tier when first two are unusable", [[m("disabled")], [m("paused"), m("up", 0)], [m("up", 5)]], 2],
    ["nothing qualifies ⇒ 0", [[m("down")], [m("unknown")]], 0],
    ["one healthy member keeps the primary", [[m("down"), m("up", 1)], [m("up")]], 0],
  ];
  for (const [name, pools, want] of cases) it(name, () => assert.equal(activePoolIndex(pools), want));
});

describe("lb frontend state (§4.3)", () => {
  it("is up iff some effective weight is non-zero", () => {
    assert.equal(
      frontendState([
        { state: "up", effectiveWeight: 0 },
        { state: "up", effectiveWeight: 1 },
      ]),
      "up",
    );
  });
  it("is unknown only while every backend is unknown", () => {
    assert.equal(frontendState([{ state: "unknown", effectiveWeight: 0 }]), "unknown");
    assert.equal(
      frontendState([
        { state: "unknown", effectiveWeight: 0 },
        { state: "down", effectiveWeight: 0 },
      ]),
      "down",
    );
  });
  it("is down when every AS is drained, even with backends up in standby", () => {
    assert.equal(frontendState([{ state: "up", effectiveWeight: 0 }]), "down");
  });
  it("is down with no backends at all (our decision)", () => {
    assert.equal(frontendState([]), "down");
  });
});
