/**
 * Public surface of the pure DDM core (spec ddm-bfd-maghemite.md Part 1).
 * The actor shell (`actors/ddm/`), the exchange HTTP server/client and the
 * kernel programming (`dataplane/kernel/`) import from here only.
 *
 * - `discovery`: the UDP discovery packet codec (port 3549, `ff02::dd`).
 * - `createMachine`: the per-interface Init → Solicit → Exchange machine,
 *   `step(state, event, now) → { state, actions }`; `TRANSITIONS` is its table.
 * - `peerStatus`: the `GET /peers` view of a machine state.
 * - `parseUpdate` / `serializeUpdate` …: exchange v2/v3 JSON bodies.
 * - `DdmRib`: imported routes, ECMP sets, tunnel effective set,
 *   redistribution, loop detection, reconciling sync.
 */
export {
  DISCOVERY_GROUP,
  DISCOVERY_PORT,
  type DiscoveryDecodeCode,
  type DiscoveryDecodeError,
  type DiscoveryMessage,
  type DiscoveryPacket,
  decodeDiscovery,
  encodeDiscovery,
  isValidHostname,
  MAX_PACKET_LEN,
  SENT_VERSION,
} from "./discovery.js";
export {
  convertPullResponse,
  convertUpdate,
  type ExchangeError,
  type ExchangeErrorCode,
  parsePullResponse,
  parseUpdate,
  serializePullResponse,
  serializeUpdate,
} from "./exchange.js";
export { createMachine, type DdmMachine } from "./fsm.js";
export { chunkUpdate, PUSH_CHUNK } from "./fsm-updates.js";
export { TRANSITIONS } from "./fsm-table.js";
export {
  type DdmAction,
  type DdmCounter,
  type DdmEvent,
  type DdmState,
  type DdmTimers,
  DEFAULT_TIMERS,
  type EventKind,
  type ExchangeState,
  type InitState,
  type InterfaceConfig,
  type LinkInfo,
  type Neighbor,
  type PullReason,
  type PushOutcome,
  type SolicitState,
  type StateName,
  type StepResult,
  type TimerName,
  type TransitionReason,
} from "./fsm-types.js";
export {
  formatIpv6,
  formatNet,
  type IpNet,
  type IpParseError,
  type Ipv4Addr,
  type Ipv4Net,
  type Ipv6Addr,
  type Ipv6Net,
  ipv6NetworkAddr,
  ipv6NetworkBytes,
  parseIpNet,
  parseIpv6,
  parseIpv6Net,
} from "./ip.js";
export { type PeerStatus, type PeerStatusType, peerStatus, peerStatusV1 } from "./peer-status.js";
export {
  DdmRib,
  type FibChange,
  type Nexthop,
  type RibOutcome,
  type Route,
  type TunnelRoute,
} from "./rib.js";
export { effectiveSet, tunnelKey } from "./tunnel.js";
export type {
  AnnounceWithdraw,
  ExchangeVersion,
  LocalRouter,
  PathVector,
  PeerIdentity,
  PrefixSet,
  PullResponse,
  RouterKind,
  TunnelOrigin,
  Update,
} from "./types.js";
export { replayJournal } from "./pull-journal.js";
