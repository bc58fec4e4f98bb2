/**
 * `ddm:` — the Delay Driven Multipath router. Keys are ddmd's command-line
 * flags and their defaults (ddm-bfd-maghemite.md §1.1 timer table and §1.6),
 * kebab-case, with millisecond flags written as durations. `discovery-read-
 * timeout` is left out: it only paced ddmd's blocking socket threads.
 */
import { Type } from "@sinclair/typebox";
import { type Decoded, Duration } from "../primitives.js";

/** Schema of the `ddm` section. */
export const DdmSection = Type.Object(
  {
    kind: Type.Union([Type.Literal("server"), Type.Literal("transit")], {
      default: "server",
      description: "server (a sled: originates, never redistributes) or transit (a switch)",
    }),
    interfaces: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      uniqueItems: true,
      description: "interfaces to run one DDM state machine on each",
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
  },
  { additionalProperties: false, default: {} },
);
/** The decoded `ddm` section. */
export type DdmSection = Decoded<typeof DdmSection>;
