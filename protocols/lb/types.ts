/**
 * Shared vocabulary of the LB core: backend states, VIP keys, the desired set
 * the reconciler wants and the model of what a dataplane holds. Everything is
 * immutable data; the functions that act on it live in their own files.
 */
import { compareIp, type IpAddr, ipFamily } from "./ip.js";

/** Backend health/admin state (maglev-vpp §3.1). */
export type BackendState = "unknown" | "up" | "down" | "paused" | "disabled" | "removed";

/** Every backend state, for table-driven tests and exhaustive iteration. */
export const BACKEND_STATES: readonly BackendState[] = [
  "unknown",
  "up",
  "down",
  "paused",
  "disabled",
  "removed",
];

/**
 * VPP `lb_encap_type` (§6.3). magnetite only ever asks for GRE; the others can
 * still be read back from a VPP someone else configured.
 */
export type LbEncap = "gre4" | "gre6" | "l3dsr" | "nat4" | "nat6";

/** The encaps magnetite programs: chosen by the backends' family (§4, bug §10.7). */
export type GreEncap = "gre4" | "gre6";

/** VIP protocol as VPP stores it: TCP, UDP, or 255 = any (§6.3 `ip_proto`). */
export type VipProtocol = 6 | 17 | 255;

/** The new-flow table length magnetite always sends (§2.6; bug §10.11: 0 crashed VPP). */
export const FLOW_TABLE_LENGTH = 1024;

/** AS weight bounds (Appendix B). */
export const MAX_WEIGHT = 100;

/**
 * A VIP's identity in VPP: (prefix, protocol, port) — `vipKey` in §5.2.
 * Port 0 is an all-port VIP, for which VPP forces protocol 255.
 */
export interface VipKey {
  readonly address: IpAddr;
  readonly prefixLen: number;
  readonly protocol: VipProtocol;
  readonly port: number;
}

/** Stable string form of a VIP key, used as a map key and in logs. */
export function vipKeyId(k: VipKey): string {
  return `${k.address}/${k.prefixLen} ${k.protocol}:${k.port}`;
}

/** Deterministic VIP order: address per §4.4, then prefix length, protocol, port. */
export function compareVipKeys(a: VipKey, b: VipKey): number {
  return (
    compareIp(a.address, b.address) || a.prefixLen - b.prefixLen || a.protocol - b.protocol || a.port - b.port
  );
}

/** A host-prefix VIP key; port 0 forces protocol 255 exactly as the VPP plugin does. */
export function hostVipKey(address: IpAddr, protocol: VipProtocol, port: number): VipKey {
  return {
    address,
    prefixLen: ipFamily(address) === 4 ? 32 : 128,
    protocol: port === 0 ? 255 : protocol,
    port,
  };
}

/** One application server the reconciler wants under a VIP. */
export interface DesiredAs {
  readonly address: IpAddr;
  /** Effective weight 0..100 (§4.2). */
  readonly weight: number;
  /** Evict sticky entries pointing at this AS (§4.2: down with flush-on-down, disabled). */
  readonly flush: boolean;
}

/** One VIP the reconciler wants, built from a frontend (§5.2). */
export interface DesiredVip {
  readonly key: VipKey;
  /** The frontend this VIP comes from (for logs and per-VIP sync). */
  readonly frontend: string;
  readonly encap: GreEncap;
  readonly srcIpSticky: boolean;
  readonly flowTableLength: number;
  /** Keyed by address. */
  readonly ases: ReadonlyMap<IpAddr, DesiredAs>;
}

/** Every desired VIP, keyed by `vipKeyId`. */
export type DesiredState = ReadonlyMap<string, DesiredVip>;

/** An AS as a dataplane holds it (only live ASes: VPP's removed-awaiting-GC ones are absent). */
export interface AsState {
  readonly address: IpAddr;
  readonly weight: number;
  /**
   * True when the AS sits at weight 0 and its sticky entries were already
   * evicted since it last carried traffic. VPP cannot report this; the
   * adapter remembers what it flushed (and forgets on reconnect, which only
   * costs one harmless re-flush). It lets `diff` honour the sticky-cache fix
   * (§5.3, bug §10.4) without re-sending the flush on every periodic sync.
   */
  readonly flushed: boolean;
}

/** A VIP as a dataplane holds it. */
export interface VipState {
  readonly key: VipKey;
  readonly encap: LbEncap;
  readonly srcIpSticky: boolean;
  readonly flowTableLength: number;
  readonly ases: ReadonlyMap<IpAddr, AsState>;
}

/** A whole dataplane's LB table, keyed by `vipKeyId`. */
export type LbState = ReadonlyMap<string, VipState>;

/** The empty table (a freshly started VPP). */
export const EMPTY_LB_STATE: LbState = new Map();

/** Global LB settings pushed with `lb_conf` (§2.3). */
export interface LbConf {
  readonly ip4SrcAddress: IpAddr;
  readonly ip6SrcAddress: IpAddr;
  /** Must be a power of two. */
  readonly stickyBucketsPerCore: number;
  /** Seconds, 1..120. */
  readonly flowTimeoutSeconds: number;
}

/** VPP's own defaults when nothing was configured (§2.3). */
export const VPP_DEFAULT_LB_CONF: LbConf = {
  ip4SrcAddress: "0.0.0.0" as IpAddr,
  ip6SrcAddress: "::" as IpAddr,
  stickyBucketsPerCore: 1024,
  flowTimeoutSeconds: 40,
};
