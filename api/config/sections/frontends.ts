/**
 * `frontends:` — named VIPs with ordered pools of weighted backends
 * (maglev-vpp.md §2.6). The first pool is the highest priority tier. A pool
 * member's value is a mapping with an optional `weight` (0..100, default 100);
 * an empty value (`b1:`) is read as `{}` by the loader, per the spec's [I]
 * note that null/empty means weight 100. Absent `protocol` means every
 * protocol (VPP protocol 255, §6); `port: 0` is an all-ports VIP.
 */
import { Type } from "@sinclair/typebox";
import { type Decoded, IpAddress, NamedMap } from "../primitives.js";

/** A backend's membership in one pool. */
export const PoolMember = Type.Object(
  { weight: Type.Integer({ minimum: 0, maximum: 100, default: 100 }) },
  { additionalProperties: false },
);

/** One priority tier. */
export const Pool = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    backends: NamedMap(PoolMember, "pool members: backend name → membership"),
  },
  { additionalProperties: false, default: {} },
);

/** One named frontend (VIP). */
export const Frontend = Type.Object(
  {
    address: IpAddress({ description: "the VIP" }),
    protocol: Type.Optional(Type.Union([Type.Literal("tcp"), Type.Literal("udp")])),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 0, description: "0 = all ports" }),
    pools: Type.Array(Pool, { minItems: 1, description: "priority tiers, highest first" }),
    "src-ip-sticky": Type.Boolean({ default: false }),
    "flush-on-down": Type.Boolean({ default: true }),
    description: Type.String({ default: "" }),
  },
  { additionalProperties: false },
);

/** Schema of the `frontends` section. */
export const FrontendsSection = NamedMap(Frontend, "frontends by name");
/** The decoded `frontends` section. */
export type FrontendsSection = Decoded<typeof FrontendsSection>;
