import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RX_TRANSITIONS } from "../../../protocols/bfd/fsm-table.js";
import { Diag, SESSION_STATES, type SessionState } from "../../../protocols/bfd/types.js";
import { config, Driver, ofKind, peer } from "./harness.js";

/** RFC 5880 §6.2 / §6.8.6 step 18, written out independently of the table under test. */
const RFC: Record<SessionState, Record<SessionState, SessionState | "discard">> = {
  AdminDown: { AdminDown: "discard", Down: "discard", Init: "discard", Up: "discard" },
  Down: { AdminDown: "Down", Down: "Init", Init: "Up", Up: "Down" },
  Init: { AdminDown: "Down", Down: "Init", Init: "Up", Up: "Up" },
  Up: { AdminDown: "Down", Down: "Down", Init: "Up", Up: "Up" },
};

/** A driver whose session is in `state`. */
function inState(state: SessionState): Driver {
  const d = new Driver(config());
  if (state === "Init") d.rx(peer({ state: "Down", yourDiscr: 0 }));
  if (state === "Up") d.bringUp();
  if (state === "AdminDown") d.apply({ kind: "admin-down" });
  assert.equal(d.session.state, state);
  return d;
}

describe("bfd transition table (RFC 5880 §6.2, §6.8.6)", () => {
  it("matches the RFC in all 16 cells", () => {
    for (const local of SESSION_STATES) {
      for (const remote of SESSION_STATES) {
        const o = RX_TRANSITIONS[local][remote];
        const got = o.kind === "discard" ? "discard" : o.kind === "stay" ? local : o.to;
        assert.equal(got, RFC[local][remote], `${local} × rx ${remote}`);
      }
    }
  });

  it("drives the session core: every cell's state, diag and transition action", () => {
    for (const local of SESSION_STATES) {
      for (const remote of SESSION_STATES) {
        const d = inState(local);
        const diagBefore = d.session.diag;
        const yourDiscr = remote === "Down" || remote === "AdminDown" ? 0 : 1;
        const actions = d.rx(peer({ state: remote, yourDiscr }));
        const o = RX_TRANSITIONS[local][remote];
        const cell = `${local} × rx ${remote}`;
        const transitions = ofKind(actions, "transition");
        if (o.kind === "discard") {
          assert.equal(d.session.state, local, cell);
          assert.deepEqual(
            ofKind(actions, "discard").map((a) => a.discard.code),
            ["LOCAL_ADMIN_DOWN"],
            cell,
          );
        } else if (o.kind === "stay") {
          assert.equal(d.session.state, local, cell);
          assert.equal(transitions.length, 0, cell);
        } else {
          assert.equal(d.session.state, o.to, cell);
          const diag = o.diag === "keep" ? diagBefore : o.diag;
          assert.equal(d.session.diag, diag, cell);
          assert.deepEqual(
            transitions.map((t) => [t.from, t.to, t.diag, t.reason]),
            [[local, o.to, diag, `received-${remote === "AdminDown" ? "admin-down" : remote.toLowerCase()}`]],
            cell,
          );
        }
      }
    }
  });

  it("§6.8.6 step 18: a received Down or AdminDown sets diag 3 when leaving Init or Up", () => {
    for (const local of ["Init", "Up"] as const) {
      for (const remote of ["AdminDown", ...(local === "Up" ? (["Down"] as const) : [])] as const) {
        const d = inState(local);
        d.rx(peer({ state: remote, yourDiscr: 0 }));
        assert.equal(d.session.state, "Down");
        assert.equal(d.session.diag, Diag.NeighborSignaledDown);
      }
    }
  });

  it("never goes Up → Init", () => {
    for (const row of SESSION_STATES) {
      const o = RX_TRANSITIONS.Up[row];
      assert.ok(!(o.kind === "goto" && o.to === "Init"));
    }
  });
});
