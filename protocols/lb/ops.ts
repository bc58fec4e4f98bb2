/**
 * Dataplane operations: what `diff` emits and a dataplane executes, in
 * order. Each maps one-to-one onto a VPP LB API call (§6.1): `vip-add` /
 * `vip-del` → `lb_add_del_vip_v2`, `as-add` / `as-del` → `lb_add_del_as_v2`,
 * `as-set-weight` → `lb_as_set_weight`.
 */
import type { IpAddr } from "./ip.js";
import type { GreEncap, VipKey } from "./types.js";

/** Why an op was emitted (logged, and counted as `lbsync` kinds by the shell). */
export type LbOpReason =
  /** Wanted but absent. */
  | "missing"
  /** Present but no longer wanted. */
  | "stale"
  /** Torn down / rebuilt because src-ip-sticky flipped (bug §10.6). */
  | "recreate-sticky"
  /** Torn down / rebuilt because the encap changed (bug §10.5). */
  | "recreate-encap"
  /** Torn down / rebuilt because the flow-table length differs (our decision; VPP cannot resize). */
  | "recreate-table"
  /** Weight differs. */
  | "weight"
  /** Same weight, but a flush is owed (sticky-cache fix, bug §10.4). */
  | "flush"
  /** Operator asked for a flush of this AS (§5.3 `flushAddress`). */
  | "forced-flush";

/** One dataplane call. */
export type LbOp =
  | {
      readonly kind: "vip-add";
      readonly key: VipKey;
      readonly encap: GreEncap;
      readonly srcIpSticky: boolean;
      readonly flowTableLength: number;
      readonly reason: LbOpReason;
    }
  | { readonly kind: "vip-del"; readonly key: VipKey; readonly reason: LbOpReason }
  | {
      readonly kind: "as-add";
      readonly key: VipKey;
      readonly address: IpAddr;
      readonly weight: number;
      readonly flush: boolean;
      readonly reason: LbOpReason;
    }
  | {
      readonly kind: "as-del";
      readonly key: VipKey;
      readonly address: IpAddr;
      readonly flush: boolean;
      readonly reason: LbOpReason;
    }
  | {
      readonly kind: "as-set-weight";
      readonly key: VipKey;
      readonly address: IpAddr;
      readonly weight: number;
      readonly flush: boolean;
      readonly reason: LbOpReason;
    };

/** The op kinds, for exhaustive tables. */
export type LbOpKind = LbOp["kind"];
