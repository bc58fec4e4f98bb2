/**
 * The session state machine as data: local state × the State field of a received packet, as
 * RFC 5880 §6.8.6 (step 17–18) and the §6.2 diagram define it. The session core looks outcomes
 * up here and tests iterate every cell, so a missing or changed entry is visible in one place.
 *
 *   Down ──rx Down──▶ Init ──rx Init|Up──▶ Up
 *   Down ──rx Init──────────────────────▶ Up
 *   Init ──rx AdminDown──▶ Down (diag 3)      Up ──rx Down|AdminDown──▶ Down (diag 3)
 *   Init|Up ──Detection Time expires──▶ Down (diag 1)
 *   any ──admin down──▶ AdminDown (diag 7) ──admin up──▶ Down
 *
 * Timer and admin edges are handled in session.ts; only the rx edges live in this table.
 */
import { Diag, type SessionState } from "./types.js";

/** What receiving a packet with a given State does to the local session. */
export type RxOutcome =
  /** Nothing changes. */
  | { readonly kind: "stay" }
  /** §6.8.6 step 17: the local session is AdminDown, so the packet is discarded. */
  | { readonly kind: "discard" }
  /** Move to `to`, setting bfd.LocalDiag to `diag` or keeping it (`"keep"`). */
  | { readonly kind: "goto"; readonly to: SessionState; readonly diag: Diag | "keep" };

const stay: RxOutcome = { kind: "stay" };
const discard: RxOutcome = { kind: "discard" };
/** §6.8.6 step 18: a received Down/AdminDown takes a non-Down session Down with diag 3. */
const signalledDown: RxOutcome = { kind: "goto", to: "Down", diag: Diag.NeighborSignaledDown };
/** Reaching Up clears the diagnostic: it describes the last change, and the session is healthy. */
const up: RxOutcome = { kind: "goto", to: "Up", diag: Diag.None };

/**
 * `RX_TRANSITIONS[local][received]`. Down→Init keeps the diagnostic so the peer still sees why
 * we went down until the session is Up again (the RFC leaves this open).
 */
export const RX_TRANSITIONS: Readonly<Record<SessionState, Readonly<Record<SessionState, RxOutcome>>>> = {
  AdminDown: { AdminDown: discard, Down: discard, Init: discard, Up: discard },
  Down: {
    AdminDown: stay,
    Down: { kind: "goto", to: "Init", diag: "keep" },
    Init: up,
    Up: stay,
  },
  Init: { AdminDown: signalledDown, Down: stay, Init: up, Up: up },
  Up: { AdminDown: signalledDown, Down: signalledDown, Init: stay, Up: stay },
};

/** Why a session changed state; a closed set so metrics can label by it. */
export type TransitionReason =
  | "received-admin-down"
  | "received-down"
  | "received-init"
  | "received-up"
  | "detection-expired"
  | "admin-down"
  | "admin-up";

/** The transition reason for a change caused by a received State. */
export function receivedReason(remote: SessionState): TransitionReason {
  switch (remote) {
    case "AdminDown":
      return "received-admin-down";
    case "Down":
      return "received-down";
    case "Init":
      return "received-init";
    case "Up":
      return "received-up";
  }
}
