/**
 * What `GET /peers` reports for one interface (ddm-admin 2.0.0, spec §1.2,
 * §1.4): the state's kind and how long it has been in it, and the peer's
 * identity if there is one. Computed from the machine's own state (the lesson
 * of maghemite PR #689: no separate peer cache to drift).
 */
import type { Millis } from "../common/time.js";
import type { DdmState } from "./fsm-types.js";
import type { PeerIdentity } from "./types.js";

/** ddm-admin v2 `PeerStatus.type`; `Expired` exists in the API but no state produces it. */
export type PeerStatusType = "Init" | "Solicit" | "Exchange";

/** One interface's row. */
export interface PeerStatus {
  readonly type: PeerStatusType;
  /** Time since the state was entered; never negative. */
  readonly duration: Millis;
  /** Set only in Exchange, like maghemite's `peer_identity`. */
  readonly peer: PeerIdentity | null;
}

const TYPE: Record<DdmState["name"], PeerStatusType> = {
  init: "Init",
  solicit: "Solicit",
  exchange: "Exchange",
};

/** The status of `state` at `now`. */
export function peerStatus(state: DdmState, now: Millis): PeerStatus {
  const duration = Math.max(0, now - state.enteredAt) as Millis;
  const peer =
    state.name === "exchange"
      ? { addr: state.neighbor.addr, hostname: state.neighbor.hostname, kind: state.neighbor.kind }
      : null;
  return { type: TYPE[state.name], duration, peer };
}

/** ddm-admin 1.0.0's status string (spec §1.2: Init/Solicit → NoContact, Exchange → Active). */
export function peerStatusV1(type: PeerStatusType): "NoContact" | "Active" {
  return type === "Exchange" ? "Active" : "NoContact";
}
