/**
 * `apply(ops, state)`: a pure model of how the VPP LB plugin executes our ops
 * (maglev-vpp §6.3, §6.4), with VPP's refusals as typed codes carrying the
 * same retvals. The property tests check `diff` against it and the in-memory
 * dataplane is built on it, so both dataplanes fail the same way.
 *
 * Modelled: VIP exists / missing (-81 / -6), one encap per prefix (-73),
 * all-port vs per-port clash (-81), non-power-of-two table (-70), AS family
 * vs encap (-97), live AS exists / missing (-81 / -6), weight > 100 (-7).
 * Not modelled: VPP's removed-awaiting-GC AS slots — they are invisible to
 * the reconciler anyway (§5.3: flags without USED count as absent).
 */
import { assertNever } from "../common/assert-never.js";
import { err, ok, type Result } from "../common/result.js";
import { LB_RETVAL, type LbRefusalCode } from "./errors.js";
import { type IpAddr, ipFamily } from "./ip.js";
import type { LbOp } from "./ops.js";
import {
  type AsState,
  type DesiredState,
  type LbEncap,
  type LbState,
  MAX_WEIGHT,
  type VipState,
  vipKeyId,
} from "./types.js";

/** A refused op. */
export interface ApplyError {
  readonly code: LbRefusalCode;
  readonly retval: number;
  /** Index of the refused op in the list. */
  readonly index: number;
  readonly op: LbOp;
}

/** The state after the ops that did succeed, and the refusal. */
export interface ApplyFailure {
  readonly error: ApplyError;
  readonly state: LbState;
}

function refuse(code: LbRefusalCode): { code: LbRefusalCode; retval: number } {
  return { code, retval: LB_RETVAL[code] };
}

/** The inner (AS) family an encap carries (§6.3). */
export function encapAsFamily(encap: LbEncap): 4 | 6 {
  return encap === "gre4" || encap === "l3dsr" || encap === "nat4" ? 4 : 6;
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/**
 * The `flushed` bookkeeping after a weight change: only an AS sitting at
 * weight 0 can be "already flushed"; it becomes so by a flush, and stays so
 * while it stays at 0.
 */
export function flushedAfter(prev: AsState | undefined, weight: number, flush: boolean): boolean {
  if (weight !== 0) return false;
  return flush || (prev !== undefined && prev.weight === 0 && prev.flushed);
}

type Step = Result<Map<string, VipState>, { code: LbRefusalCode; retval: number }>;

function withAses(vip: VipState, ases: Map<IpAddr, AsState>): VipState {
  return { ...vip, ases };
}

function step(state: Map<string, VipState>, op: LbOp): Step {
  const id = vipKeyId(op.key);
  const vip = state.get(id);
  switch (op.kind) {
    case "vip-add": {
      if (vip !== undefined) return err(refuse("LB_E_EXISTS"));
      if (!isPowerOfTwo(op.flowTableLength)) return err(refuse("LB_E_INVALID_MEMORY_SIZE"));
      for (const other of state.values()) {
        if (other.key.address !== op.key.address || other.key.prefixLen !== op.key.prefixLen) continue;
        if (other.encap !== op.encap) return err(refuse("LB_E_ENCAP_CONFLICT"));
        if ((other.key.port === 0) !== (op.key.port === 0)) return err(refuse("LB_E_EXISTS"));
      }
      state.set(id, {
        key: op.key,
        encap: op.encap,
        srcIpSticky: op.srcIpSticky,
        flowTableLength: op.flowTableLength,
        ases: new Map(),
      });
      return ok(state);
    }
    case "vip-del":
      if (vip === undefined) return err(refuse("LB_E_NO_SUCH_ENTRY"));
      // VPP drops the VIP's ASes with it, without flushing (§6.4).
      state.delete(id);
      return ok(state);
    case "as-add": {
      if (vip === undefined) return err(refuse("LB_E_NO_SUCH_ENTRY"));
      if (ipFamily(op.address) !== encapAsFamily(vip.encap)) return err(refuse("LB_E_ADDRESS_FAMILY"));
      if (vip.ases.has(op.address)) return err(refuse("LB_E_EXISTS"));
      if (op.weight > MAX_WEIGHT) return err(refuse("LB_E_INVALID_VALUE"));
      const ases = new Map(vip.ases);
      ases.set(op.address, {
        address: op.address,
        weight: op.weight,
        flushed: flushedAfter(undefined, op.weight, op.flush),
      });
      state.set(id, withAses(vip, ases));
      return ok(state);
    }
    case "as-del": {
      if (vip === undefined || !vip.ases.has(op.address)) return err(refuse("LB_E_NO_SUCH_ENTRY"));
      const ases = new Map(vip.ases);
      ases.delete(op.address);
      state.set(id, withAses(vip, ases));
      return ok(state);
    }
    case "as-set-weight": {
      const prev = vip?.ases.get(op.address);
      if (vip === undefined || prev === undefined) return err(refuse("LB_E_NO_SUCH_ENTRY"));
      if (op.weight > MAX_WEIGHT) return err(refuse("LB_E_INVALID_VALUE"));
      const ases = new Map(vip.ases);
      ases.set(op.address, {
        address: op.address,
        weight: op.weight,
        flushed: flushedAfter(prev, op.weight, op.flush),
      });
      state.set(id, withAses(vip, ases));
      return ok(state);
    }
    default:
      return assertNever(op, "lb op");
  }
}

/**
 * Run `ops` in order against `state`. Stops at the first refusal and reports
 * it together with the state the earlier ops produced — a real dataplane is
 * not transactional either. The input is never mutated.
 */
export function apply(ops: readonly LbOp[], state: LbState): Result<LbState, ApplyFailure> {
  let cur = new Map(state);
  for (const [index, op] of ops.entries()) {
    const r = step(cur, op);
    if (!r.ok) return err({ error: { ...r.error, index, op }, state: cur });
    cur = r.value;
  }
  return ok(cur);
}

/** A desired set as the state a dataplane would hold after a perfect sync (flush owed ⇒ done). */
export function materialize(desired: DesiredState): LbState {
  const out = new Map<string, VipState>();
  for (const [id, d] of desired) {
    const ases = new Map<IpAddr, AsState>();
    for (const a of d.ases.values())
      ases.set(a.address, {
        address: a.address,
        weight: a.weight,
        flushed: flushedAfter(undefined, a.weight, a.flush),
      });
    out.set(id, {
      key: d.key,
      encap: d.encap,
      srcIpSticky: d.srcIpSticky,
      flowTableLength: d.flowTableLength,
      ases,
    });
  }
  return out;
}
