/**
 * `ddm:` — the Delay Driven Multipath router. Keys are ddmd's command-line
 * flags and their defaults (ddm-bfd-maghemite.md §1.1 timer table and §1.6),
 * kebab-case, with millisecond flags written as durations, plus what our
 * Linux dataplane adds (ddmd has none, spec §1.8). `discovery-read-timeout`
 * is left out: it only paced ddmd's blocking socket threads.
 *
 * ```yaml
 * ddm:
 *   hostname: sled-7          # default: the system's host name
 *   kind: server              # server | transit
 *   interfaces: [eth0, eth1]
 *   solicit-interval: 2s
 *   expire-threshold: 5s
 * ```
 */
import { Type } from "@sinclair/typebox";
import { type Decoded, Duration } from "../primitives.js";

/** Schema of the `ddm` section. */
export const DdmSection = Type.Object(
  {
    hostname: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        pattern: "^[^\\s]+$",
        description:
          "identity sent in discovery and appended to paths (at most 255 UTF-8 bytes); default: the system host name",
      }),
    ),
    kind: Type.Union([Type.Literal("server"), Type.Literal("transit")], {
      default: "server",
      description: "server (a sled: originates, never redistributes) or transit (a switch)",
    }),
    interfaces: Type.Array(Type.String({ minLength: 1, maxLength: 15 }), {
      default: [],
      uniqueItems: true,
      description: "interfaces to run one DDM state machine on each (their IPv6 link-local address is used)",
    }),
    "exchange-port": Type.Integer({ minimum: 1, maximum: 65535, default: 56797 }),
    "solicit-interval": Duration({ default: "2s", min: "1ms", description: "time between solicitations" }),
    "expire-threshold": Duration({
      default: "5s",
      min: "1ms",
      description: "peer expiry after the last advertisement",
    }),
    "ip-addr-wait": Duration({
      default: "1s",
      min: "1ms",
      description: "retry period in Init waiting for an address",
    }),
    "exchange-timeout": Duration({
      default: "3s",
      min: "1ms",
      description: "timeout of exchange push requests",
    }),
    "pull-timeout": Duration({
      default: "3s",
      min: "1ms",
      description:
        "timeout of an exchange pull up to the answer's head (ddmd hard-codes 250 ms for the whole pull); the body then gets 1 ms per 1,000 declared bytes more, so the deadline scales with the peer's table",
    }),
    "exchange-body-limit": Type.Integer({
      minimum: 1024 * 1024,
      default: 64 * 1024 * 1024,
      description: "largest exchange push or pull body in bytes (ddmd: 1 KiB; at least 1 MiB here)",
    }),
    "route-metric": Type.Integer({
      minimum: 1,
      maximum: 0xffff_ffff,
      default: 512,
      description:
        "metric of the kernel routes DDM installs (protocol 221); keep it distinct from other routes' metrics so DDM never replaces them",
    }),
    "nexthop-objects": Type.Boolean({
      default: true,
      description:
        "route through kernel nexthop objects (Linux 5.3 or later; ids from 0x7dd00000, protocol 221): one object per neighbour and one group per ECMP set, which the kernel shares between routes; false writes each route's gateways inline. A kernel without them falls back to inline gateways by itself",
    }),
    "route-adopt-window": Duration({
      default: "30s",
      min: "0ms",
      description:
        "after a start, keep our kernel routes left from before for this long while peers are re-learned",
    }),
    "drift-check-interval": Duration({
      default: "10s",
      min: "0ms",
      description: "period of re-reading our kernel routes and repairing differences (0 disables)",
    }),
    "cleanup-on-stop": Type.Boolean({
      default: false,
      description: "delete our kernel routes on a graceful stop (default: keep forwarding across a restart)",
    }),
  },
  { additionalProperties: false, default: {} },
);
/** The decoded `ddm` section. */
export type DdmSection = Decoded<typeof DdmSection>;
