/**
 * Domain types shared by the DDM core: router kinds, the exchange protocol
 * version and the routing information carried by exchange messages. These are
 * our own shapes; `exchange.ts` maps them to and from the v2/v3 JSON on the
 * wire (spec ddm-bfd-maghemite.md §1.3).
 */
import type { Ipv6Addr, IpNet, Ipv6Net } from "./ip.js";

/**
 * `server` (a sled: originates, never redistributes) or `transit` (a switch:
 * redistributes, appending its hostname to the path). Spec §1.0.
 */
export type RouterKind = "server" | "transit";

/** Exchange protocol versions a peer can advertise in discovery (spec §1.1). */
export type ExchangeVersion = 2 | 3;

/**
 * A path-vector announcement: the path starts with the originator and each
 * transit appends its own hostname (spec §1.3).
 */
export interface PathVector {
  readonly destination: Ipv6Net;
  readonly path: readonly string[];
}

/**
 * A tunnel endpoint (spec §1.3). `metric` is a u64 on the wire and mgd uses
 * u64::MAX, beyond double precision, hence `bigint`. `vni` is a u32.
 */
export interface TunnelOrigin {
  readonly overlayPrefix: IpNet;
  readonly boundaryAddr: Ipv6Addr;
  readonly vni: number;
  readonly metric: bigint;
}

/** Announce and withdraw sets of one kind. */
export interface AnnounceWithdraw<T> {
  readonly announce: readonly T[];
  readonly withdraw: readonly T[];
}

/** A push body (v3 `Update`); a null part means "nothing of this kind". */
export interface Update {
  readonly underlay: AnnounceWithdraw<PathVector> | null;
  readonly tunnel: AnnounceWithdraw<TunnelOrigin> | null;
}

/** A pull response (v3 `PullResponse`); the wire sends null for an empty set. */
export interface PullResponse {
  readonly underlay: readonly PathVector[];
  readonly tunnel: readonly TunnelOrigin[];
}

/** What the admin API announces or withdraws (spec §1.2 `PrefixSet`). */
export type PrefixSet =
  | { readonly kind: "underlay"; readonly prefixes: readonly Ipv6Net[] }
  | { readonly kind: "tunnel"; readonly origins: readonly TunnelOrigin[] };

/** Who we are, as sent in discovery and appended to paths. */
export interface LocalRouter {
  readonly hostname: string;
  readonly kind: RouterKind;
}

/** A discovered peer (maghemite `PeerIdentity`), compared field by field. */
export interface PeerIdentity {
  readonly addr: Ipv6Addr;
  readonly hostname: string;
  readonly kind: RouterKind;
}
