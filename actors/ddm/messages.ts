/**
 * Messages between the DDM actors and their queries' answers. Interface
 * actors talk to each other only through the router actor, which owns the
 * RIB and the kernel routes (style guide rule 18: single writer).
 */
import type { Result } from "../../protocols/common/result.js";
import type {
  DdmCounter,
  DdmEvent,
  Ipv6Addr,
  Nexthop,
  PeerStatus,
  PrefixSet,
  PullReason,
  PullResponse,
  PushOutcome,
  Route,
  TunnelOrigin,
  TunnelRoute,
  Update,
} from "../../protocols/ddm/index.js";
import type { PullError } from "../../dataplane/ddm/exchange-client.js";
import type { ExchangeServer } from "../../dataplane/ddm/exchange-server.js";
import type { ActorRef } from "../runtime/index.js";

/** One interface's view for `GET /peers` and `GET /ddm/interfaces`. */
export interface InterfaceStatus {
  readonly ifName: string;
  /** 0 until Init resolved the link. */
  readonly ifIndex: number;
  readonly addr: Ipv6Addr | null;
  readonly status: PeerStatus;
  /** The neighbour discovery last heard from, even outside Exchange. */
  readonly neighbor: { readonly addr: Ipv6Addr; readonly hostname: string; readonly version: number } | null;
  readonly counters: Readonly<Partial<Record<DdmCounter | "updates_received", number>>>;
  readonly importedPrefixes: number;
  readonly importedTunnelEndpoints: number;
}

/** Messages to an interface actor. */
export type InterfaceMsg =
  | { readonly t: "event"; readonly event: DdmEvent }
  /** The expiry deadline passed; confirmed after the next poll phase (`interface.ts`). */
  | { readonly t: "expireDue"; readonly event: DdmEvent }
  /** `expireDue`'s confirmation, queued behind the datagrams delivered before it. */
  | { readonly t: "expireConfirm"; readonly event: DdmEvent }
  | { readonly t: "datagram"; readonly from: Ipv6Addr; readonly data: Uint8Array }
  | { readonly t: "pushIn"; readonly epoch: number; readonly update: Update }
  | { readonly t: "pushed"; readonly epoch: number; readonly peer: Ipv6Addr; readonly outcome: PushOutcome }
  | {
      readonly t: "pulled";
      readonly epoch: number;
      readonly peer: Ipv6Addr;
      readonly reason: PullReason;
      readonly result: Result<PullResponse, PullError>;
    }
  /** The peer pulled our table in session `epoch` (it has everything up to now). */
  | { readonly t: "pulledBy"; readonly epoch: number }
  /** The grace for the peer's pull of session `epoch` is over: announce the table if still owed. */
  | { readonly t: "announceDue"; readonly epoch: number }
  | { readonly t: "serverUp"; readonly epoch: number; readonly server: ExchangeServer }
  | { readonly t: "serverDown"; readonly epoch: number; readonly reason: string }
  | { readonly t: "imported"; readonly prefixes: number; readonly tunnels: number }
  | { readonly t: "status"; readonly replyTo: ActorRef<InterfaceStatus> };

/** What the router answers to a read query. */
export interface RibView {
  readonly routes: readonly Route[];
  readonly tunnels: readonly TunnelRoute[];
  readonly originated: readonly string[];
  readonly originatedTunnels: readonly TunnelOrigin[];
}

/** Messages to the router actor. */
export type RouterMsg =
  | { readonly t: "wire"; readonly interfaces: ReadonlyMap<string, ActorRef<InterfaceMsg>> }
  | { readonly t: "link"; readonly ifName: string; readonly ifIndex: number | null }
  | { readonly t: "update"; readonly from: Nexthop; readonly update: Update }
  | { readonly t: "sync"; readonly from: Nexthop; readonly response: PullResponse }
  | { readonly t: "expire"; readonly from: Nexthop }
  | { readonly t: "pullFor"; readonly peer: Nexthop; readonly replyTo: ActorRef<PullResponse> }
  | {
      readonly t: "announce" | "withdraw";
      readonly set: PrefixSet;
      readonly replyTo: ActorRef<Result<void, string>>;
    }
  | { readonly t: "view"; readonly replyTo: ActorRef<RibView> }
  | { readonly t: "resync"; readonly replyTo: ActorRef<number> };
