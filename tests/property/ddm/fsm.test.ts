import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { DdmEvent, DdmState, TimerName } from "../../../protocols/ddm/fsm-types.js";
import { advert, Driver, LINK, PEER, solicitation, v6 } from "../../unit/ddm/fsm-fixtures.js";

/** An op is either the clock moving (firing due timers) or one event built from the current state. */
type Op = { readonly advance: number } | { readonly event: (s: DdmState) => DdmEvent };

const peers = [PEER, v6("fe80::3"), LINK.addr];
const staleOr = (s: DdmState, stale: boolean) => (stale ? s.epoch - 1 : s.epoch);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.integer({ min: 0, max: 7000 }).map((advance) => ({ advance })),
  fc.constant<Op>({ event: () => ({ kind: "addressResolved", link: LINK }) }),
  fc.constant<Op>({ event: () => ({ kind: "addressFailed", reason: "x" }) }),
  fc
    .tuple(fc.constantFrom(...peers), fc.constantFrom<2 | 3 | null>(2, 3, null), fc.boolean())
    .map(([p, ver, sol]): Op => ({ event: () => (sol ? solicitation(p) : advert(p, "h", ver)) })),
  fc.constant<Op>({ event: () => ({ kind: "discoveryFailed", reason: "x" }) }),
  fc.boolean().map((stale): Op => ({ event: (s) => ({ kind: "serverStarted", epoch: staleOr(s, stale) }) })),
  fc
    .boolean()
    .map(
      (stale): Op => ({ event: (s) => ({ kind: "serverFailed", epoch: staleOr(s, stale), reason: "x" }) }),
    ),
  fc
    .tuple(
      fc.boolean(),
      fc.boolean(),
      fc.constantFrom("initial" as const, "renumber" as const, "sync" as const),
    )
    .map(
      ([stale, ok, reason]): Op => ({
        event: (s) => ({
          kind: "pullResult",
          epoch: staleOr(s, stale),
          peer: s.name === "exchange" ? s.neighbor.addr : PEER,
          reason,
          ok,
        }),
      }),
    ),
  fc
    .tuple(
      fc.boolean(),
      fc.constantFrom("ok" as const, "timeout" as const, "unreachable" as const, "rejected" as const),
    )
    .map(
      ([stale, outcome]): Op => ({
        event: (s) => ({
          kind: "pushResult",
          epoch: staleOr(s, stale),
          peer: s.name === "exchange" ? s.neighbor.addr : PEER,
          outcome,
        }),
      }),
    ),
  fc.constantFrom(...peers).map((addr): Op => ({ event: () => ({ kind: "adminExpire", addr }) })),
  fc.constant<Op>({ event: () => ({ kind: "adminSync" }) }),
  fc.constant<Op>({
    event: () => ({
      kind: "adminAnnounce",
      set: { kind: "underlay", prefixes: [{ addr: v6("fd00::"), len: 64 }] },
    }),
  }),
);

const ALLOWED: Record<DdmState["name"], readonly TimerName[]> = {
  init: ["addrWait"],
  solicit: ["solicit", "expire"],
  exchange: ["solicit", "expire", "serverRetry", "pullRetry"],
};

function checkInvariants(s: DdmState, now: number): void {
  assert.ok(s.enteredAt <= now, "entered in the future");
  for (const [t, gen] of Object.entries(s.timers)) {
    assert.ok(ALLOWED[s.name].includes(t as TimerName), `${t} armed in ${s.name}`);
    assert.ok(gen !== undefined && gen < s.nextGen, "generation not below nextGen");
  }
  if (s.name === "init") return;
  assert.notEqual(s.timers.solicit, undefined, "discovery running without a solicit timer");
  assert.equal(s.timers.expire !== undefined, s.neighbor !== null, "expire timer iff a neighbour is tracked");
  if (s.name === "exchange") {
    assert.equal(s.timers.serverRetry !== undefined, s.server === "retry-wait");
    assert.equal(s.timers.pullRetry !== undefined, s.pull === "retry-wait");
    assert.ok(
      !(s.server !== "up" && (s.pull === "in-flight" || s.pull === "done")),
      "pulled before the server was up",
    );
  }
}

describe("ddm interface machine properties", () => {
  it("keeps its timer and state invariants under any op sequence on a monotonic clock", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const d = new Driver(0);
        for (const op of ops) {
          const before = d.state.name;
          if ("advance" in op) d.advanceTo(d.now + op.advance);
          else {
            const acts = d.feed(op.event(d.state));
            const t = acts.filter((a) => a.kind === "transition");
            assert.ok(t.length <= 1);
            if (t[0] !== undefined) assert.deepEqual([t[0].from, t[0].to], [before, d.state.name]);
            // Routes are only ever expired for the neighbour we were exchanging with.
            for (const a of acts) if (a.kind === "expireRoutes") assert.ok(peers.includes(a.nexthop));
          }
          checkInvariants(d.state, d.now);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("reaches Exchange and stays there while the neighbour keeps advertising", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4999 }), { minLength: 1, maxLength: 30 }), (gaps) => {
        const d = new Driver(0).toExchange();
        for (const g of gaps) {
          d.advanceTo(d.now + g);
          d.feed(advert());
          assert.equal(d.name(), "exchange");
        }
      }),
      { numRuns: 200 },
    );
  });
});
