/**
 * `dataplane:` — which load-balancer dataplane the LB reconciler drives and
 * how it reconciles (maglev-vpp.md §2.3 `maglev.vpp.lb`, flattened here).
 *
 * | Key | Type | Default | Meaning |
 * |---|---|---|---|
 * | `kind` | `memory` \| `vpp` | `memory` | `memory`: in-process dataplane (nothing forwards; for labs and tests); `vpp`: the VPP lb plugin over its binary API |
 * | `socket` | path | `/run/vpp/api.sock` | VPP's binary-API socket (§6.6), used when `kind` is `vpp` |
 * | `sync-interval` | duration ≥ 100ms | `30s` | period of the full drift sync (§5.4) |
 * | `startup-min-delay` | duration | `5s` | warmup hold: no dataplane writes at all after start (§4.5) |
 * | `startup-max-delay` | duration | `30s` | end of the per-VIP release window; then one full sync. Both 0 disables warmup |
 * | `ipv4-src-address` | IPv4 | unset | outer source of GRE4 packets (`lb_conf.ip4_src_address`) |
 * | `ipv6-src-address` | IPv6 | unset | outer source of GRE6 packets (`lb_conf.ip6_src_address`) |
 * | `sticky-buckets-per-core` | power of two | unset | established-flow table buckets per worker (`lb_conf`) |
 * | `flow-timeout` | whole seconds, 1s..120s | unset | idle timeout of established flows (`lb_conf`) |
 *
 * The four `lb_conf` keys are pushed (when they differ from `lb_conf_get`)
 * at every full sync; an unset key keeps the dataplane's value (VPP's own
 * defaults: 0.0.0.0 / ::, 1024 buckets, 40 s). With `kind: vpp` and IPv4
 * backends, leaving `ipv4-src-address` unset makes VPP send GRE from
 * 0.0.0.0: the daemon warns at start (the upstream doc comment calls the key
 * required; we keep such files loadable and warn instead).
 *
 * Reload: `sync-interval` and the `lb_conf` keys apply at once; `kind`,
 * `socket` and the warmup delays at the next start (§2.7: a reload does not
 * reset the warmup clock).
 */
import { Type } from "@sinclair/typebox";
import { millis } from "../../../protocols/common/time.js";
import { ip } from "../../../protocols/lb/ip.js";
import { type Decoded, Duration, IpAddress } from "../primitives.js";

/** VPP's default binary-API socket (maglev-vpp.md §6.6). */
export const DEFAULT_VPP_SOCKET = "/run/vpp/api.sock";

/** Schema of the `dataplane` section. */
export const DataplaneSection = Type.Object(
  {
    kind: Type.Union([Type.Literal("memory"), Type.Literal("vpp")], {
      default: "memory",
      description: "memory: in-process fake dataplane; vpp: the VPP lb plugin",
    }),
    socket: Type.String({
      minLength: 1,
      default: DEFAULT_VPP_SOCKET,
      description: "path of VPP's binary API socket (used when kind is vpp)",
    }),
    "sync-interval": Duration({ default: "30s", min: "100ms", description: "period of the full drift sync" }),
    "startup-min-delay": Duration({ default: "5s", description: "warmup: no dataplane writes before this" }),
    "startup-max-delay": Duration({
      default: "30s",
      description: "warmup: per-VIP release until this, then one full sync",
    }),
    "ipv4-src-address": Type.Optional(IpAddress({ family: 4, description: "outer source of GRE4 packets" })),
    "ipv6-src-address": Type.Optional(IpAddress({ family: 6, description: "outer source of GRE6 packets" })),
    "sticky-buckets-per-core": Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 2 ** 31,
        description: "established-flow buckets per worker; power of two",
      }),
    ),
    "flow-timeout": Type.Optional(
      Duration({ min: "1s", max: "120s", description: "idle timeout of established flows, whole seconds" }),
    ),
  },
  { additionalProperties: false, default: {} },
);
/** The decoded `dataplane` section. */
export type DataplaneSection = Decoded<typeof DataplaneSection>;

/** The reconciler settings of a decoded section (`actors/lb` `LbSettings`). */
export function lbSettings(d: DataplaneSection) {
  return {
    syncIntervalMs: d["sync-interval"],
    warmup: { minDelay: millis(d["startup-min-delay"]), maxDelay: millis(d["startup-max-delay"]) },
    conf: {
      ...(d["ipv4-src-address"] === undefined ? {} : { ip4SrcAddress: ip(d["ipv4-src-address"]) }),
      ...(d["ipv6-src-address"] === undefined ? {} : { ip6SrcAddress: ip(d["ipv6-src-address"]) }),
      ...(d["sticky-buckets-per-core"] === undefined
        ? {}
        : { stickyBucketsPerCore: d["sticky-buckets-per-core"] }),
      ...(d["flow-timeout"] === undefined
        ? {}
        : { flowTimeoutSeconds: Math.floor(d["flow-timeout"] / 1000) }),
    },
  };
}
