/**
 * The desired VIP set (maglev-vpp §5.2): frontends plus live backend states
 * in, one `DesiredVip` per frontend out. Encap follows the backends' family
 * (bug §10.7), the flow table is always 1024 (bug §10.11), and two frontends
 * sharing a VIP address must agree on encap (bug §10.10).
 */
import { err, ok, type Result } from "../common/result.js";
import { LB_RETVAL } from "./errors.js";
import { frontendState, type FrontendState } from "./frontend-state.js";
import { compareIp, type IpAddr, ipFamily } from "./ip.js";
import {
  type BackendState,
  type DesiredAs,
  type DesiredState,
  type DesiredVip,
  FLOW_TABLE_LENGTH,
  type GreEncap,
  hostVipKey,
  type VipProtocol,
  vipKeyId,
} from "./types.js";
import { activePoolIndex, type EffectiveWeight, effectiveWeight } from "./weight.js";

/** A backend's membership in a pool, with its address resolved. */
export interface PoolMemberSpec {
  readonly backend: string;
  readonly address: IpAddr;
  /** Pool weight 0..100 (default 100 in config). */
  readonly weight: number;
}

/** An ordered priority tier (§2.6 `pools`). */
export interface PoolSpec {
  readonly name: string;
  readonly members: readonly PoolMemberSpec[];
}

/** What the reconciler needs of a configured frontend. */
export interface FrontendSpec {
  readonly name: string;
  readonly address: IpAddr;
  readonly protocol: VipProtocol;
  readonly port: number;
  readonly srcIpSticky: boolean;
  readonly flushOnDown: boolean;
  /** First pool = highest priority. */
  readonly pools: readonly PoolSpec[];
}

/** Live state lookup; a backend nobody has heard of is `unknown`. */
export type StateOf = (backend: string) => BackendState;

/** Per-membership result of the §4.2 mapping (also what the API shows). */
export interface MemberEvaluation extends EffectiveWeight {
  readonly pool: number;
  readonly backend: string;
  readonly address: IpAddr;
  readonly state: BackendState;
  readonly configuredWeight: number;
}

/** A frontend with its active pool, per-member effective weights and aggregate state. */
export interface FrontendEvaluation {
  readonly activePool: number;
  readonly members: readonly MemberEvaluation[];
  readonly state: FrontendState;
}

/** Apply §4.1–§4.3 to one frontend. */
export function evaluateFrontend(spec: FrontendSpec, stateOf: StateOf): FrontendEvaluation {
  const views = spec.pools.map((p) =>
    p.members.map((m) => ({ state: stateOf(m.backend), weight: m.weight })),
  );
  const active = activePoolIndex(views);
  const members: MemberEvaluation[] = [];
  spec.pools.forEach((pool, pi) => {
    for (const m of pool.members) {
      const state = stateOf(m.backend);
      const ew = effectiveWeight(state, pi === active, m.weight, spec.flushOnDown);
      members.push({
        pool: pi,
        backend: m.backend,
        address: m.address,
        state,
        configuredWeight: m.weight,
        ...ew,
      });
    }
  });
  return {
    activePool: active,
    members,
    state: frontendState(members.map((m) => ({ state: m.state, effectiveWeight: m.weight }))),
  };
}

/** Why a desired set cannot be built. */
export type DesiredError =
  | { readonly code: "LB_E_MIXED_FAMILY"; readonly frontend: string }
  | {
      readonly code: "LB_E_ENCAP_CONFLICT";
      readonly retval: typeof LB_RETVAL.LB_E_ENCAP_CONFLICT;
      readonly frontends: readonly [string, string];
    }
  | { readonly code: "LB_E_EXISTS"; readonly frontends: readonly [string, string] };

/**
 * One frontend's VIP. ASes are the union of every pool's backends, merged by
 * address: a backend listed in several pools (or two names for one address,
 * which §4.2 leaves open) gets the highest effective weight among its
 * memberships, and flush only if that weight is 0 and some membership asks
 * for it. Members in state `removed` are left out, so the diff deletes them.
 * A frontend without backends gets the VIP's own family as encap: no AS
 * constrains it.
 */
export function desiredVip(spec: FrontendSpec, stateOf: StateOf): Result<DesiredVip, DesiredError> {
  const evaluation = evaluateFrontend(spec, stateOf);
  const live = evaluation.members.filter((m) => m.state !== "removed");
  const families = new Set(live.map((m) => ipFamily(m.address)));
  if (families.size > 1) return err({ code: "LB_E_MIXED_FAMILY", frontend: spec.name });
  const family = families.size === 1 ? [...families][0] : ipFamily(spec.address);
  const encap: GreEncap = family === 4 ? "gre4" : "gre6";
  const merged = new Map<IpAddr, { weight: number; flush: boolean }>();
  for (const m of live) {
    const prev = merged.get(m.address);
    merged.set(m.address, {
      weight: Math.max(prev?.weight ?? 0, m.weight),
      flush: (prev?.flush ?? false) || m.flush,
    });
  }
  const ases = new Map<IpAddr, DesiredAs>();
  for (const address of [...merged.keys()].sort(compareIp)) {
    const v = merged.get(address) ?? { weight: 0, flush: false };
    ases.set(address, { address, weight: v.weight, flush: v.flush && v.weight === 0 });
  }
  return ok({
    key: hostVipKey(spec.address, spec.protocol, spec.port),
    frontend: spec.name,
    encap,
    srcIpSticky: spec.srcIpSticky,
    flowTableLength: FLOW_TABLE_LENGTH,
    ases,
  });
}

/**
 * Every frontend's VIP. Refuses two frontends with the same VIP key, and two
 * VIPs on one address with different encaps, which VPP would reject at run
 * time with -73 (bug §10.10), or mixing all-port and per-port VIPs (-81).
 * Config validation should catch all three first; this is the last line.
 */
export function desiredState(
  specs: readonly FrontendSpec[],
  stateOf: StateOf,
): Result<DesiredState, DesiredError> {
  const out = new Map<string, DesiredVip>();
  const byAddress = new Map<string, DesiredVip[]>();
  for (const spec of specs) {
    const r = desiredVip(spec, stateOf);
    if (!r.ok) return r;
    const vip = r.value;
    const id = vipKeyId(vip.key);
    const same = out.get(id);
    if (same !== undefined) return err({ code: "LB_E_EXISTS", frontends: [same.frontend, spec.name] });
    const prefix = `${vip.key.address}/${vip.key.prefixLen}`;
    const siblings = byAddress.get(prefix) ?? [];
    for (const sibling of siblings) {
      if (sibling.encap !== vip.encap) {
        return err({
          code: "LB_E_ENCAP_CONFLICT",
          retval: LB_RETVAL.LB_E_ENCAP_CONFLICT,
          frontends: [sibling.frontend, spec.name],
        });
      }
      // VPP refuses an all-port VIP next to per-port VIPs on one prefix (-81, §6.4).
      if ((sibling.key.port === 0) !== (vip.key.port === 0)) {
        return err({ code: "LB_E_EXISTS", frontends: [sibling.frontend, spec.name] });
      }
    }
    byAddress.set(prefix, [...siblings, vip]);
    out.set(id, vip);
  }
  return ok(out);
}
