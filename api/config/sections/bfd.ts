/**
 * `bfd:` — BFD sessions declared in the file (runtime-added peers live in the
 * store, DESIGN.md "Persistence").
 *
 * Each peer mirrors maghemite's `BfdPeerConfig` (ddm-bfd-maghemite.md §2.5:
 * peer, listen, required_rx, detection_threshold, mode) with our kebab-case
 * spelling. Deliberately no defaults: the BFD engineer owns timer policy.
 * `required-rx` is a duration here (maghemite takes raw µs); BFD converts it
 * to `Micros` for the wire (RFC 5880 §4.1). Mode names follow `mgadm bfd
 * add-peer` (`single-hop` RFC 5881, `multi-hop` RFC 5883).
 */
import { Type } from "@sinclair/typebox";
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
