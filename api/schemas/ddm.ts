/**
 * Schemas of the DDM admin API, shaped like ddm-admin 2.0.0 (spec
 * ddm-bfd-maghemite.md §1.4) so existing clients work; richer data lives in
 * the extension `GET /ddm/interfaces`.
 *
 * `PeerStatus.type` offers `Init | Solicit | Exchange` only. ddm-admin's type
 * also lists `Expired`, but no state machine ever produces it (maghemite
 * neither); offering a value that never occurs would only mislead clients,
 * so it is left out, and v1's `Expired` string likewise.
 */
import { type Static, Type } from "@sinclair/typebox";

const Ipv6 = Type.String({ description: "IPv6 address", examples: ["fe80::1"] });
const Cidr6 = Type.String({ description: "IPv6 prefix in CIDR form", examples: ["fd00:1::/64"] });

/** A duration as Rust's `std::time::Duration` serialises. */
export const RustDuration = Type.Object(
  { secs: Type.Integer({ minimum: 0 }), nanos: Type.Integer({ minimum: 0, maximum: 999_999_999 }) },
  { additionalProperties: false },
);

/** ddm-admin 2.0.0 `PeerStatus`. */
export const PeerStatusV2 = Type.Object(
  {
    type: Type.Union([Type.Literal("Init"), Type.Literal("Solicit"), Type.Literal("Exchange")]),
    duration: RustDuration,
  },
  { additionalProperties: false },
);

/** ddm-admin 1.0.0 `PeerStatus`. */
export const PeerStatusV1 = Type.Union([Type.Literal("NoContact"), Type.Literal("Active")]);

const peerInfo = <S extends typeof PeerStatusV2 | typeof PeerStatusV1>(status: S) =>
  Type.Object(
    {
      status,
      addr: Ipv6,
      host: Type.String(),
      kind: Type.Integer({ minimum: 0, maximum: 1, description: "0 = server, 1 = transit" }),
    },
    { additionalProperties: false },
  );

/** `GET /peers` (2.0.0): interface index → peer. */
export const PeersV2 = Type.Record(Type.String({ pattern: "^[0-9]+$" }), peerInfo(PeerStatusV2));
export type PeersV2 = Static<typeof PeersV2>;
/** `GET /peers` (1.0.0). */
export const PeersV1 = Type.Record(Type.String({ pattern: "^[0-9]+$" }), peerInfo(PeerStatusV1));
export type PeersV1 = Static<typeof PeersV1>;

export const AddrParam = Type.Object({ addr: Ipv6 }, { additionalProperties: false });

/** A path vector as ddm-admin shows it. */
export const PathVectorJson = Type.Object(
  { destination: Cidr6, path: Type.Array(Type.String(), { description: "originator first" }) },
  { additionalProperties: false },
);

/** `GET /prefixes`: nexthop → path vectors. */
export const Prefixes = Type.Record(Type.String(), Type.Array(PathVectorJson));
export type Prefixes = Static<typeof Prefixes>;

/** `PUT|DELETE /prefix` body and `GET /originated`. */
export const PrefixList = Type.Array(Cidr6, { maxItems: 1_000_000 });
export type PrefixList = Static<typeof PrefixList>;

/**
 * A tunnel endpoint. `metric` is a u64 (mgd sends u64::MAX): bodies are read
 * with an exact integer parser and written exactly; a decimal string is also
 * accepted.
 */
export const TunnelOriginJson = Type.Object(
  {
    overlay_prefix: Type.String({ description: "IPv4 or IPv6 prefix" }),
    boundary_addr: Ipv6,
    vni: Type.Integer({ minimum: 0, maximum: 0xffff_ffff }),
    metric: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: "^[0-9]{1,20}$" })]),
    ),
  },
  { additionalProperties: false },
);
export const TunnelOriginList = Type.Array(TunnelOriginJson);
export type TunnelOriginList = Static<typeof TunnelOriginList>;
export const TunnelRouteList = Type.Array(
  Type.Object({ origin: TunnelOriginJson, nexthop: Ipv6 }, { additionalProperties: false }),
);

/** `GET /ddm/interfaces`: one row per configured interface (extension). */
export const InterfaceRow = Type.Object(
  {
    name: Type.String(),
    index: Type.Integer({ description: "0 until the link is resolved" }),
    addr: Type.Union([Ipv6, Type.Null()], { description: "own link-local address" }),
    state: Type.Union([Type.Literal("Init"), Type.Literal("Solicit"), Type.Literal("Exchange")]),
    duration: RustDuration,
    peer: Type.Union([
      Type.Object(
        { addr: Ipv6, host: Type.String(), kind: Type.Integer(), exchange_version: Type.Integer() },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    imported_prefixes: Type.Integer(),
    imported_tunnel_endpoints: Type.Integer(),
    counters: Type.Record(Type.String(), Type.Integer()),
  },
  { additionalProperties: false },
);
export const InterfaceList = Type.Array(InterfaceRow);
export type InterfaceRow = Static<typeof InterfaceRow>;
