/**
 * `bfd:` — BFD sessions declared in the file (runtime-added peers live in the
 * store, DESIGN.md "Persistence").
 *
 * Each peer mirrors maghemite's `BfdPeerConfig` (ddm-bfd-maghemite.md §2.5:
 * peer, listen, required_rx, detection_threshold, mode) with our kebab-case
 * spelling, plus the same optional extensions as the REST API (desired TX,
 * passive, admin down, multihop minimum TTL, authentication). Durations here
 * (`required-rx`, `desired-tx`) are converted to µs for the wire (RFC 5880 §4.1).
 * Mode names follow `mgadm bfd add-peer` (`single-hop` RFC 5881, `multi-hop`
 * RFC 5883). Timer defaults are BFD's: `desired-tx` defaults to `required-rx`.
 */
import { Type } from "@sinclair/typebox";
import type { PeerInput } from "../../../actors/bfd/index.js";
import { type Decoded, Duration, IpAddress, NamedMap } from "../primitives.js";

/** One configured BFD peer. */
export const BfdPeer = Type.Object(
  {
    peer: IpAddress({ description: "remote address" }),
    listen: IpAddress({ description: "local address to bind (0.0.0.0 or :: for any); same family as peer" }),
    "required-rx": Duration({ min: "1ms", description: "Required Min RX Interval (RFC 5880 §6.8.1)" }),
    "detection-threshold": Type.Integer({
      minimum: 1,
      maximum: 255,
      description: "Detect Mult: a u8, never 0 (RFC 5880 §4.1; maghemite API v12 BFD_NONZERO_DETECT_MULT)",
    }),
    mode: Type.Union([Type.Literal("single-hop"), Type.Literal("multi-hop")], {
      description: "single-hop (RFC 5881, port 3784, TTL 255) or multi-hop (RFC 5883, port 4784)",
    }),
    "desired-tx": Type.Optional(
      Duration({ min: "1ms", description: "Desired Min TX Interval (RFC 5880 §6.8.1); default required-rx" }),
    ),
    passive: Type.Optional(Type.Boolean({ description: "passive role: wait for the peer (RFC 5880 §6.1)" })),
    "admin-down": Type.Optional(
      Type.Boolean({ description: "hold the session AdminDown (RFC 5880 §6.8.16)" }),
    ),
    "minimum-ttl": Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 255,
        description: "multi-hop only: smallest received TTL (default 254)",
      }),
    ),
    auth: Type.Optional(
      Type.Object(
        {
          type: Type.Union([
            Type.Literal("simple"),
            Type.Literal("keyed-md5"),
            Type.Literal("meticulous-md5"),
            Type.Literal("keyed-sha1"),
            Type.Literal("meticulous-sha1"),
          ]),
          "key-id": Type.Integer({ minimum: 0, maximum: 255 }),
          secret: Type.String({ minLength: 1, maxLength: 20 }),
        },
        { additionalProperties: false, description: "authentication (RFC 5880 §6.7)" },
      ),
    ),
  },
  { additionalProperties: false },
);

/** Schema of the `bfd` section. */
export const BfdSection = Type.Object(
  { peers: NamedMap(BfdPeer, "BFD peers by operator-chosen name") },
  { additionalProperties: false, default: {} },
);
/** The decoded `bfd` section. */
export type BfdSection = Decoded<typeof BfdSection>;
/** One decoded peer. */
export type BfdPeerSection = BfdSection["peers"][string];

/** The BFD service's input for a configured peer (durations in ms become µs). */
export function bfdPeerInput(p: BfdPeerSection): PeerInput {
  return {
    peer: p.peer,
    listen: p.listen,
    mode: p.mode === "single-hop" ? "SingleHop" : "MultiHop",
    requiredRxUs: Math.round(p["required-rx"] * 1000),
    desiredTxUs: p["desired-tx"] === undefined ? undefined : Math.round(p["desired-tx"] * 1000),
    detectMult: p["detection-threshold"],
    passive: p.passive,
    adminDown: p["admin-down"],
    minTtl: p["minimum-ttl"],
    auth: p.auth === undefined ? null : { type: p.auth.type, keyId: p.auth["key-id"], secret: p.auth.secret },
  };
}
