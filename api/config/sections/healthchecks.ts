/**
 * `healthchecks:` — named probe definitions that backends reference
 * (maglev-vpp.md §2.4). `type` is required; everything else is optional
 * WITHOUT defaults because upstream's defaults are unknown ([?] in the spec);
 * the health-check engineer decides them. Key spellings marked [I] in the spec
 * (`fast-interval`, `down-interval`, `probe-ipv4-src`, …) are used as given.
 * "port is required for tcp/http/https" is a semantic rule (semantics.ts).
 */
import { Type } from "@sinclair/typebox";
import { type Decoded, Duration, IpAddress, NamedMap } from "../primitives.js";

/** The HTTP parameter block of `http`/`https` checks (exact keys upstream: [?]). */
export const HttpProbeParams = Type.Object(
  {
    path: Type.Optional(Type.String({ pattern: "^/", description: "request path, starting with /" })),
    host: Type.Optional(Type.String({ minLength: 1, description: "Host header" })),
  },
  { additionalProperties: false },
);

/** One named health check. */
export const Healthcheck = Type.Object(
  {
    type: Type.Union([
      Type.Literal("icmp"),
      Type.Literal("tcp"),
      Type.Literal("http"),
      Type.Literal("https"),
    ]),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    interval: Type.Optional(Duration({ min: "1ms", description: "probe period while fully healthy" })),
    "fast-interval": Type.Optional(Duration({ min: "1ms", description: "period while degraded or unknown" })),
    "down-interval": Type.Optional(Duration({ min: "1ms", description: "period once continuously down" })),
    timeout: Type.Optional(Duration({ min: "1ms", description: "per-probe deadline" })),
    rise: Type.Optional(Type.Integer({ minimum: 1, description: "consecutive passes to go up" })),
    fall: Type.Optional(Type.Integer({ minimum: 1, description: "consecutive fails to go down" })),
    "probe-ipv4-src": Type.Optional(IpAddress({ family: 4, description: "source address of IPv4 probes" })),
    "probe-ipv6-src": Type.Optional(IpAddress({ family: 6, description: "source address of IPv6 probes" })),
    http: Type.Optional(HttpProbeParams),
  },
  { additionalProperties: false },
);

/** Schema of the `healthchecks` section. */
export const HealthchecksSection = NamedMap(Healthcheck, "health checks by name");
/** The decoded `healthchecks` section. */
export type HealthchecksSection = Decoded<typeof HealthchecksSection>;
