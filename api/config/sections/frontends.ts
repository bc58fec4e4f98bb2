/**
 * `frontends:` — named VIPs with ordered pools of weighted backends
 * (maglev-vpp.md §2.6). Each frontend becomes one VPP LB VIP; each backend
 * its pools reference becomes an application server (AS) of that VIP.
 *
 * | Key | Type | Default | Meaning |
 * |---|---|---|---|
 * | `address` | IP | required | the VIP (a host prefix: /32 or /128) |
 * | `protocol` | `tcp` \| `udp` | absent = any (255) | VIP protocol |
 * | `port` | 0..65535 | `0` | 0 = all-ports VIP (VPP then forces protocol 255) |
 * | `pools` | list, ≥ 1 | required | priority tiers, highest first (§4.1: the first pool with an `up` backend of weight > 0 serves) |
 * | `pools[].name` | string | required | unique within the frontend (the API addresses pools by name) |
 * | `pools[].backends` | map name → `{ weight }` | required | members; `weight` 0..100, default 100; an empty value (`b1:` or `b1: {}`) means 100 |
 * | `src-ip-sticky` | bool | `false` | hash on the source address only; flipping it recreates the VIP |
 * | `flush-on-down` | bool | `true` | a backend going `down` also evicts its established flows |
 * | `description` | string | `""` | shown by the API and CLI |
 *
 * There is no `encap` key: GRE4/GRE6 follows the backends' family (§2.6),
 * and changing every backend's family recreates the VIP (bug §10.5).
 * Reload applies only the difference: added frontends get an actor, removed
 * ones lose their VIP at the next full sync, changed ones are re-evaluated.
 */
import { Type } from "@sinclair/typebox";
import { InvariantError } from "../../../protocols/common/domain-error.js";
import type { FrontendSpec } from "../../../protocols/lb/desired.js";
import { parseIp } from "../../../protocols/lb/ip.js";
import type { VipProtocol } from "../../../protocols/lb/types.js";
import { type Decoded, IpAddress, NamedMap } from "../primitives.js";
import type { BackendsSection } from "./backends.js";

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

/** VPP's protocol number for a config protocol (§6.3; absent = any = 255). */
export function vipProtocol(p: "tcp" | "udp" | undefined): VipProtocol {
  return p === "tcp" ? 6 : p === "udp" ? 17 : 255;
}

function address(text: string, what: string) {
  const r = parseIp(text);
  // The schema validated every address; a failure here is a loader bug.
  if (!r.ok) throw new InvariantError(`${what}: ${text} is not an IP address after validation`);
  return r.value;
}

/**
 * The LB core's view of every frontend, in name order, with backend names
 * resolved to their addresses. Members naming an undefined backend are left
 * out (the semantic rules reject such a file before it gets here).
 */
export function frontendSpecs(frontends: FrontendsSection, backends: BackendsSection): FrontendSpec[] {
  return Object.keys(frontends)
    .sort()
    .flatMap((name) => {
      const f = frontends[name];
      if (f === undefined) return [];
      return [
        {
          name,
          address: address(f.address, `frontends.${name}.address`),
          protocol: vipProtocol(f.protocol),
          port: f.port,
          srcIpSticky: f["src-ip-sticky"],
          flushOnDown: f["flush-on-down"],
          pools: f.pools.map((p) => ({
            name: p.name,
            members: Object.entries(p.backends).flatMap(([backend, m]) => {
              const b = backends[backend];
              return b === undefined
                ? []
                : [{ backend, address: address(b.address, `backends.${backend}.address`), weight: m.weight }];
            }),
          })),
        },
      ];
    });
}
