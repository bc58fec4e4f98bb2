/**
 * The BFD subsystem's actors: a supervisor, one listener per (local address, port), one session
 * per peer; and the service facade the API and the composition root use.
 */
export { type BfdErrorCode, BfdError, type BfdFailure } from "./errors.js";
export { type BfdMetrics, createBfdMetrics, diagName } from "./metrics.js";
export {
  canonicalPeerAddress,
  DEFAULT_MULTIHOP_MIN_TTL,
  MAX_INTERVAL_US,
  MIN_INTERVAL_US,
  type PeerInput,
  parsePeerSpec,
} from "./peer-spec.js";
export { BFD_PEERS, type PeerStore, type StoredPeer } from "./peer-store.js";
export { BfdService, type BfdServiceOptions, checkPeer, SUPERVISOR_NAME } from "./service.js";
export type {
  AuthSpec,
  BfdMode,
  HistoryEntry,
  PeerOrigin,
  PeerSpec,
  PeerUpdate,
  SessionCounters,
  SessionSnapshot,
} from "./types.js";
