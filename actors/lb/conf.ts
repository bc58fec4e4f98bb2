/**
 * Push the configured `lb_conf` settings (maglev-vpp §2.3) when they differ
 * from what the dataplane holds (§5.4 [I]: the full sync compares with
 * `lb_conf_get`). Keys the operator left out keep the dataplane's value;
 * VPP requires both source addresses in every call, so they are merged from
 * the read-back. Nothing is read or written when no key is configured.
 */
import type { Logger } from "pino";
import type { LbDataplane } from "../../dataplane/lb-dataplane.js";
import type { LbConf } from "../../protocols/lb/types.js";
import type { LbConfSettings } from "./types.js";

/** True when `want` has at least one key set. */
export function hasConf(want: LbConfSettings): boolean {
  return Object.values(want).some((v) => v !== undefined);
}

/** The conf to write: the current one with the configured keys laid over it. */
export function mergeConf(current: LbConf, want: LbConfSettings): LbConf {
  return {
    ip4SrcAddress: want.ip4SrcAddress ?? current.ip4SrcAddress,
    ip6SrcAddress: want.ip6SrcAddress ?? current.ip6SrcAddress,
    stickyBucketsPerCore: want.stickyBucketsPerCore ?? current.stickyBucketsPerCore,
    flowTimeoutSeconds: want.flowTimeoutSeconds ?? current.flowTimeoutSeconds,
  };
}

/** Read, compare, write if needed. Returns whether a write happened; throws the dataplane's coded error. */
export async function pushConf(dp: LbDataplane, want: LbConfSettings, log: Logger): Promise<boolean> {
  if (!hasConf(want)) return false;
  const current = await dp.readConf();
  const next = mergeConf(current, want);
  if (
    next.ip4SrcAddress === current.ip4SrcAddress &&
    next.ip6SrcAddress === current.ip6SrcAddress &&
    next.stickyBucketsPerCore === current.stickyBucketsPerCore &&
    next.flowTimeoutSeconds === current.flowTimeoutSeconds
  ) {
    return false;
  }
  await dp.writeConf(next);
  log.info({ conf: next }, "lb_conf pushed");
  return true;
}
