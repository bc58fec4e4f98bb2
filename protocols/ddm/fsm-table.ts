/**
 * The DDM interface machine's transition table as data: for each state and
 * event kind, the states `step` may move to. Conditional entries list several
 * targets (an advertisement moves Solicit to Exchange only if it carries a
 * version we speak; a push result expires the peer only on a transport
 * failure). Tests iterate this table against `step` in both directions: every
 * observed move is listed, and every listed move is observed.
 */
import type { EventKind, StateName } from "./fsm-types.js";

const stay = <S extends StateName>(s: S, overrides: Partial<Record<EventKind, readonly StateName[]>>) => {
  const all: Record<EventKind, readonly StateName[]> = {
    addressResolved: [s],
    addressFailed: [s],
    packet: [s],
    discoveryFailed: [s],
    timer: [s],
    serverStarted: [s],
    serverFailed: [s],
    pullResult: [s],
    pushResult: [s],
    adminAnnounce: [s],
    adminWithdraw: [s],
    adminExpire: [s],
    adminSync: [s],
    peerPush: [s],
  };
  return { ...all, ...overrides };
};

/** `TRANSITIONS[state][event]` = the possible next states (spec §1.2). */
export const TRANSITIONS: Readonly<Record<StateName, Readonly<Record<EventKind, readonly StateName[]>>>> = {
  init: stay("init", { addressResolved: ["solicit"] }),
  solicit: stay("solicit", { packet: ["solicit", "exchange"], discoveryFailed: ["init"] }),
  exchange: stay("exchange", {
    discoveryFailed: ["init"],
    timer: ["exchange", "solicit"],
    pushResult: ["exchange", "solicit"],
    adminExpire: ["exchange", "solicit"],
  }),
};
