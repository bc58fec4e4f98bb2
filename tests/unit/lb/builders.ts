/** Small builders for LB core tests: frontends, desired sets and dataplane states. */
import {
  type AsState,
  type BackendState,
  type DesiredState,
  desiredState,
  type FrontendSpec,
  type IpAddr,
  ip,
  type LbState,
  type PoolSpec,
  type VipProtocol,
  type VipState,
  vipKeyId,
} from "../../../protocols/lb/index.js";

/** A pool from `[backendName, address, weight]` triples. */
export function pool(name: string, members: readonly (readonly [string, string, number?])[]): PoolSpec {
  return { name, members: members.map(([backend, a, w]) => ({ backend, address: ip(a), weight: w ?? 100 })) };
}

/** A frontend with defaults: tcp/80, not sticky, flush-on-down. */
export function frontend(
  name: string,
  address: string,
  pools: readonly PoolSpec[],
  opts: Partial<{ protocol: VipProtocol; port: number; srcIpSticky: boolean; flushOnDown: boolean }> = {},
): FrontendSpec {
  return {
    name,
    address: ip(address),
    protocol: opts.protocol ?? 6,
    port: opts.port ?? 80,
    srcIpSticky: opts.srcIpSticky ?? false,
    flushOnDown: opts.flushOnDown ?? true,
    pools,
  };
}

/** A state lookup from a record; missing names are `unknown`. */
export function states(rec: Record<string, BackendState>): (b: string) => BackendState {
  return (b) => rec[b] ?? "unknown";
}

/** Build a desired set or fail the test. */
export function desired(specs: readonly FrontendSpec[], rec: Record<string, BackendState>): DesiredState {
  const r = desiredState(specs, states(rec));
  if (!r.ok) throw new Error(`desired failed: ${JSON.stringify(r.error)}`);
  return r.value;
}

/** A dataplane state from VIPs. */
export function lbState(vips: readonly VipState[]): LbState {
  return new Map(vips.map((v) => [vipKeyId(v.key), v]));
}

/** An AS map from `[address, weight, flushed?]`. */
export function ases(list: readonly (readonly [string, number, boolean?])[]): Map<IpAddr, AsState> {
  return new Map(list.map(([a, w, f]) => [ip(a), { address: ip(a), weight: w, flushed: f ?? false }]));
}
