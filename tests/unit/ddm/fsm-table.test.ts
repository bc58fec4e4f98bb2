import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TRANSITIONS } from "../../../protocols/ddm/fsm-table.js";
import type {
  DdmEvent,
  DdmState,
  EventKind,
  StateName,
  TimerName,
} from "../../../protocols/ddm/fsm-types.js";
import { advert, Driver, LINK, machine, ms, PEER, solicitation, v6 } from "./fsm-fixtures.js";

/** Representative states, each reached through the machine itself. */
function sampleStates(): DdmState[] {
  const out: DdmState[] = [];
  const add = (d: Driver) => out.push(d.state);
  add(new Driver());
  const waiting = new Driver();
  waiting.feed({ kind: "addressFailed", reason: "none" });
  add(waiting);
  add(new Driver().toSolicit());
  const kept = new Driver().toExchange();
  kept.feed({ kind: "adminExpire", addr: PEER });
  add(kept);
  add(new Driver().toExchange());
  const starting = new Driver().toSolicit();
  starting.feed(advert());
  add(starting);
  const bindFail = new Driver().toSolicit();
  bindFail.feed(advert());
  bindFail.feed({ kind: "serverFailed", epoch: bindFail.state.epoch, reason: "x" });
  add(bindFail);
  const pullFail = new Driver().toSolicit();
  pullFail.feed(advert());
  pullFail.feed({ kind: "serverStarted", epoch: pullFail.state.epoch });
  pullFail.feed({
    kind: "pullResult",
    epoch: pullFail.state.epoch,
    peer: PEER,
    reason: "initial",
    ok: false,
  });
  add(pullFail);
  return out;
}

/** Representative events of every kind for state `s`, valid and stale. */
function sampleEvents(s: DdmState): Record<EventKind, DdmEvent[]> {
  const e = s.epoch;
  const net = { addr: v6("fd00:1::"), len: 64 };
  const timers = Object.entries(s.timers).map(([timer, gen]) => ({
    kind: "timer" as const,
    timer: timer as TimerName,
    gen: gen ?? 0,
  }));
  return {
    addressResolved: [{ kind: "addressResolved", link: LINK }],
    addressFailed: [{ kind: "addressFailed", reason: "none" }],
    packet: [advert(), advert(PEER, "sled1", null), solicitation(), advert(v6("fe80::5")), advert(LINK.addr)],
    discoveryFailed: [{ kind: "discoveryFailed", reason: "x" }],
    timer: [...timers, { kind: "timer", timer: "solicit", gen: -1 }],
    serverStarted: [
      { kind: "serverStarted", epoch: e },
      { kind: "serverStarted", epoch: e - 1 },
    ],
    serverFailed: [
      { kind: "serverFailed", epoch: e, reason: "x" },
      { kind: "serverFailed", epoch: e - 1, reason: "x" },
    ],
    pullResult: [true, false].flatMap((ok) =>
      (["initial", "sync"] as const).map((reason) => ({
        kind: "pullResult" as const,
        epoch: e,
        peer: PEER,
        reason,
        ok,
      })),
    ),
    pushResult: (["ok", "rejected", "timeout", "unreachable"] as const).flatMap((outcome) => [
      { kind: "pushResult" as const, epoch: e, peer: PEER, outcome },
      { kind: "pushResult" as const, epoch: e - 1, peer: PEER, outcome },
    ]),
    adminAnnounce: [{ kind: "adminAnnounce", set: { kind: "underlay", prefixes: [net] } }],
    adminWithdraw: [{ kind: "adminWithdraw", set: { kind: "underlay", prefixes: [net] } }],
    adminExpire: [
      { kind: "adminExpire", addr: PEER },
      { kind: "adminExpire", addr: v6("fe80::99") },
    ],
    adminSync: [{ kind: "adminSync" }],
    peerPush: [
      {
        kind: "peerPush",
        update: { underlay: { announce: [{ destination: net, path: ["a"] }], withdraw: [] }, tunnel: null },
      },
    ],
  };
}

describe("ddm transition table (spec §1.2)", () => {
  it("lists every move step makes, and step makes every move it lists", () => {
    const observed = new Set<string>();
    for (const s of sampleStates()) {
      const events = sampleEvents(s);
      for (const kind of Object.keys(TRANSITIONS[s.name]) as EventKind[]) {
        for (const ev of events[kind]) {
          assert.equal(ev.kind, kind);
          const next = machine.step(s, ev, ms(s.enteredAt + 10)).state.name;
          assert.ok(
            TRANSITIONS[s.name][kind].includes(next),
            `${s.name} --${kind}--> ${next} is not in the table (${JSON.stringify(ev)})`,
          );
          observed.add(`${s.name}/${kind}/${next}`);
        }
      }
    }
    for (const [from, row] of Object.entries(TRANSITIONS) as [
      StateName,
      Record<EventKind, readonly StateName[]>,
    ][]) {
      for (const [kind, targets] of Object.entries(row)) {
        for (const to of targets)
          assert.ok(observed.has(`${from}/${kind}/${to}`), `never observed ${from}/${kind}/${to}`);
      }
    }
  });

  it("emits exactly one transition action per change of state and none otherwise", () => {
    for (const s of sampleStates()) {
      for (const evs of Object.values(sampleEvents(s))) {
        for (const ev of evs) {
          const r = machine.step(s, ev, ms(s.enteredAt + 10));
          const t = r.actions.filter((a) => a.kind === "transition");
          if (r.state.name === s.name) assert.equal(t.length, 0);
          else
            assert.deepEqual(
              t.map((a) => [a.from, a.to]),
              [[s.name, r.state.name]],
            );
        }
      }
    }
  });
});
