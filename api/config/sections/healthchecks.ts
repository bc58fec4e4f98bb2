/**
 * `healthchecks:` — named probe definitions that backends reference
 * (maglev-vpp.md §2.4, §2.8). Keys are kebab-case; durations are strings
 * (`200ms`, `2s`). The schema leaves every optional key undefined: the
 * defaults are the health core's (`protocols/health/timing.ts`,
 * `config.ts`), applied when the actor parses the check, and listed in the
 * table of `actors/health/README.md`:
 *
 * | key | default |
 * |---|---|
 * | `type` | required: `icmp`, `tcp`, `http`, `https` |
 * | `port` | required for tcp/http/https (semantic rule) |
 * | `interval` | `2s` |
 * | `fast-interval` | min(`500ms`, interval); may not exceed `interval` |
 * | `down-interval` | = interval |
 * | `timeout` | min(`1s`, interval) |
 * | `rise` / `fall` | 2 / 3 |
 * | `probe-ipv4-src` / `probe-ipv6-src` | kernel's choice (not applied to ICMP yet) |
 * | `http.path` / `http.host` / `http.method` | `/` / the address / `GET` |
 * | `http.expect-status` | `200-299` |
 * | `http.body-regex` / `http.body-limit` | none / 64 KiB |
 * | `http.verify` / `http.sni` (https) | false / the host name, never an IP |
 * | `tcp.send` / `tcp.expect` / `tcp.read-limit` | none / none / 4096 |
 *
 * "port is required for tcp/http/https" lives in `semantics.ts`
 * (`healthcheckShape`); value checks the schema cannot express (fast-interval
 * ≤ interval, a status list that parses, a regex that compiles) are the
 * `healthcheckValues` rule below, which runs the same parser the actors use.
 */
import { Type } from "@sinclair/typebox";
import type { CheckSpec } from "../../../actors/health/types.js";
import { buildProbe } from "../../../actors/health/probe-factory.js";
import { type Decoded, Duration, IpAddress, NamedMap } from "../primitives.js";
import type { SemanticRule } from "../semantics.js";

/** The HTTP parameter block of `http`/`https` checks (only `path` and `host` are upstream's, §2.4). */
export const HttpProbeParams = Type.Object(
  {
    path: Type.Optional(
      Type.String({ pattern: "^/", description: "request path, starting with /; default /" }),
    ),
    host: Type.Optional(
      Type.String({ minLength: 1, description: "Host header; default the backend address" }),
    ),
    method: Type.Optional(
      Type.String({ pattern: "^[A-Z]+$", description: "request method, upper case; default GET" }),
    ),
    "expect-status": Type.Optional(
      Type.String({
        minLength: 3,
        description: "passing statuses, codes and ranges: 200-299,301; default 200-299",
      }),
    ),
    "body-regex": Type.Optional(
      Type.String({ minLength: 1, description: "regular expression the start of the body must match" }),
    ),
    "body-limit": Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 16_777_216,
        description: "body bytes read for body-regex; default 65536",
      }),
    ),
    verify: Type.Optional(Type.Boolean({ description: "https: verify the certificate; default false" })),
    sni: Type.Optional(
      Type.String({ minLength: 1, description: "https: TLS server name; default the host name" }),
    ),
  },
  { additionalProperties: false },
);

/** The TCP parameter block of `tcp` checks (§2.4: "tcp carries a TCP parameter block"; keys are ours). */
export const TcpProbeParams = Type.Object(
  {
    send: Type.Optional(Type.String({ minLength: 1, description: "bytes (UTF-8) written once connected" })),
    expect: Type.Optional(
      Type.String({ minLength: 1, description: "bytes (UTF-8) the answer must contain" }),
    ),
    "read-limit": Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1_048_576,
        description: "bytes read looking for expect; default 4096",
      }),
    ),
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
    interval: Type.Optional(
      Duration({ min: "1ms", description: "probe period while fully healthy; default 2s" }),
    ),
    "fast-interval": Type.Optional(
      Duration({
        min: "1ms",
        description: "period while unknown, failing or recovering; default min(500ms, interval)",
      }),
    ),
    "down-interval": Type.Optional(
      Duration({ min: "1ms", description: "period once fully down; default = interval" }),
    ),
    timeout: Type.Optional(
      Duration({ min: "1ms", description: "per-probe deadline; default min(1s, interval)" }),
    ),
    rise: Type.Optional(Type.Integer({ minimum: 1, description: "consecutive passes to go up; default 2" })),
    fall: Type.Optional(Type.Integer({ minimum: 1, description: "consecutive fails to go down; default 3" })),
    "probe-ipv4-src": Type.Optional(IpAddress({ family: 4, description: "source address of IPv4 probes" })),
    "probe-ipv6-src": Type.Optional(IpAddress({ family: 6, description: "source address of IPv6 probes" })),
    http: Type.Optional(HttpProbeParams),
    tcp: Type.Optional(TcpProbeParams),
  },
  { additionalProperties: false },
);

/** Schema of the `healthchecks` section. */
export const HealthchecksSection = NamedMap(Healthcheck, "health checks by name");
/** The decoded `healthchecks` section. */
export type HealthchecksSection = Decoded<typeof HealthchecksSection>;
/** One decoded health check. */
export type DecodedHealthcheck = HealthchecksSection[string];

/** Copy `value` under `key` only when defined (exactOptionalPropertyTypes). */
function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Convert a decoded check into the actor layer's `CheckSpec` (durations are already milliseconds). */
export function checkSpecOf(h: DecodedHealthcheck): CheckSpec {
  const http = h.http;
  const tcp = h.tcp;
  return {
    type: h.type,
    ...opt("port", h.port),
    ...opt("interval", h.interval),
    ...opt("fastInterval", h["fast-interval"]),
    ...opt("downInterval", h["down-interval"]),
    ...opt("timeout", h.timeout),
    ...opt("rise", h.rise),
    ...opt("fall", h.fall),
    ...opt("sourceIpv4", h["probe-ipv4-src"]),
    ...opt("sourceIpv6", h["probe-ipv6-src"]),
    ...(http === undefined
      ? {}
      : {
          http: {
            ...opt("path", http.path),
            ...opt("host", http.host),
            ...opt("method", http.method),
            ...opt("expectStatus", http["expect-status"]),
            ...opt("bodyRegex", http["body-regex"]),
            ...opt("bodyLimit", http["body-limit"]),
            ...opt("verify", http.verify),
            ...opt("sni", http.sni),
          },
        }),
    ...(tcp === undefined
      ? {}
      : {
          tcp: {
            ...opt("send", tcp.send),
            ...opt("expect", tcp.expect),
            ...opt("readLimit", tcp["read-limit"]),
          },
        }),
  };
}

// Validation builds the probe object only (no socket is opened); ICMP needs a pinger, never called here.
const validationDeps = {
  pinger: { echo: async () => ({ ok: false as const, kind: "error" as const, detail: "validation only" }) },
};

/**
 * §2.4 values the schema cannot check: timing relations, thresholds, the
 * status list, the body regex. Runs the parser the actors use, so a config
 * that passes here cannot fail when its actor starts. A missing port is left
 * to `healthcheckShape`.
 */
export const healthcheckValues: SemanticRule = (config, report) => {
  for (const [name, h] of Object.entries(config.healthchecks)) {
    if (h.type !== "icmp" && h.port === undefined) continue;
    const r = buildProbe(checkSpecOf(h), validationDeps);
    if (!r.ok) {
      const path =
        r.error.field === "" ? ["healthchecks", name] : ["healthchecks", name, ...r.error.field.split(".")];
      report(path, r.error.message, r.error.field === "" ? "key" : "value");
    }
  }
};
