/**
 * The in-memory LB dataplane: the embedded default when no VPP is
 * configured, and the fake the reconciler's tests use. It executes ops with
 * the pure VPP model (`protocols/lb/apply.ts`), so it refuses exactly what
 * VPP refuses, with the same codes and retvals. Test controls: inject a
 * refusal or a transport failure at a chosen op, go down / come back, and
 * restart empty like a restarted VPP.
 */
import { DomainError } from "../../protocols/common/domain-error.js";
import { apply } from "../../protocols/lb/apply.js";
import { LB_RETVAL, type LbErrorCode, lbCodeForRetval } from "../../protocols/lb/errors.js";
import type { LbOp } from "../../protocols/lb/ops.js";
import { EMPTY_LB_STATE, type LbConf, type LbState, VPP_DEFAULT_LB_CONF } from "../../protocols/lb/types.js";
import type { LbApplyReport, LbDataplane, LbDataplaneEvent } from "../lb-dataplane.js";

/** A failure to inject into the next `apply` that reaches op `atOp` (counted from that call's start). */
export interface InjectedFailure {
  readonly atOp: number;
  /** A VPP retval (refusal) or `undefined` for a transport failure (`LB_E_UNAVAILABLE`). */
  readonly retval?: number;
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** In-memory implementation of `LbDataplane`. */
export class MemoryLbDataplane implements LbDataplane {
  readonly kind = "memory" as const;
  #state: LbState = EMPTY_LB_STATE;
  #conf: LbConf = VPP_DEFAULT_LB_CONF;
  #connected = false;
  #stopped = false;
  readonly #failures: InjectedFailure[] = [];
  readonly #listeners = new Set<(e: LbDataplaneEvent) => void>();
  /** Every op that took effect, in order (for assertions). */
  readonly log: LbOp[] = [];

  get connected(): boolean {
    return this.#connected;
  }

  /** The table as it stands (test introspection). */
  get state(): LbState {
    return this.#state;
  }

  onEvent(listener: (e: LbDataplaneEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(e: LbDataplaneEvent): void {
    for (const l of [...this.#listeners]) l(e);
  }

  async start(): Promise<void> {
    if (this.#stopped || this.#connected) return;
    this.#connected = true;
    this.#emit({ kind: "connected" });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#connected) this.setConnected(false, "stopped");
  }

  /** Simulate losing / regaining the dataplane. */
  setConnected(up: boolean, reason = "injected"): void {
    if (up === this.#connected || (up && this.#stopped)) return;
    this.#connected = up;
    this.#emit(up ? { kind: "connected" } : { kind: "disconnected", reason });
  }

  /** Simulate a dataplane restart: drop, forget everything, come back. */
  restartEmpty(): void {
    const wasUp = this.#connected;
    if (wasUp) this.setConnected(false, "restart");
    this.#state = EMPTY_LB_STATE;
    this.#conf = VPP_DEFAULT_LB_CONF;
    if (wasUp) this.setConnected(true);
  }

  /** Queue a failure for a future `apply`. */
  injectFailure(f: InjectedFailure): void {
    this.#failures.push(f);
  }

  #unavailable(): DomainError<LbErrorCode> {
    return new DomainError<LbErrorCode>("LB_E_UNAVAILABLE", "memory dataplane is down");
  }

  async read(): Promise<LbState> {
    if (!this.#connected) throw this.#unavailable();
    return this.#state;
  }

  async apply(ops: readonly LbOp[]): Promise<LbApplyReport> {
    const first = ops[0];
    if (!this.#connected) {
      if (first === undefined) return { ok: true, applied: 0 };
      return {
        ok: false,
        applied: 0,
        error: { code: "LB_E_UNAVAILABLE", message: "down", index: 0, op: first },
      };
    }
    const injected = this.#failures.shift();
    const upTo = injected === undefined ? ops.length : Math.min(injected.atOp, ops.length);
    const r = apply(ops.slice(0, upTo), this.#state);
    if (!r.ok) {
      this.#state = r.error.state;
      this.log.push(...ops.slice(0, r.error.error.index));
      const e = r.error.error;
      return {
        ok: false,
        applied: e.index,
        error: { code: e.code, retval: e.retval, message: `refused (${e.retval})`, index: e.index, op: e.op },
      };
    }
    this.#state = r.value;
    this.log.push(...ops.slice(0, upTo));
    const failedOp = ops[upTo];
    if (injected === undefined || failedOp === undefined) return { ok: true, applied: ops.length };
    if (injected.retval === undefined) {
      return {
        ok: false,
        applied: upTo,
        error: { code: "LB_E_UNAVAILABLE", message: "injected failure", index: upTo, op: failedOp },
      };
    }
    const code = lbCodeForRetval(injected.retval);
    return {
      ok: false,
      applied: upTo,
      error: {
        code,
        retval: injected.retval,
        message: `injected refusal (${injected.retval})`,
        index: upTo,
        op: failedOp,
      },
    };
  }

  async readConf(): Promise<LbConf> {
    if (!this.#connected) throw this.#unavailable();
    return this.#conf;
  }

  async writeConf(conf: LbConf): Promise<void> {
    if (!this.#connected) throw this.#unavailable();
    // Same checks as VPP's lb_conf handler (§2.3): power-of-two buckets, timeout 1..120 s.
    if (!isPowerOfTwo(conf.stickyBucketsPerCore)) {
      throw new DomainError<LbErrorCode>(
        "LB_E_INVALID_MEMORY_SIZE",
        "sticky buckets must be a power of two",
        {
          retval: LB_RETVAL.LB_E_INVALID_MEMORY_SIZE,
        },
      );
    }
    if (conf.flowTimeoutSeconds < 1 || conf.flowTimeoutSeconds > 120) {
      throw new DomainError<LbErrorCode>("LB_E_INVALID_VALUE", "flow timeout must be 1..120 s", {
        retval: LB_RETVAL.LB_E_INVALID_VALUE,
      });
    }
    this.#conf = conf;
  }
}
