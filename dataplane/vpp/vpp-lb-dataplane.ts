/**
 * `LbDataplane` over VPP's binary API. Owns a `VppClient` (reconnecting),
 * turns ops into LB calls one at a time in order, maps VPP retvals to LB
 * codes, and remembers which ASes it flushed at weight 0 — VPP cannot report
 * that, and `diff` needs it to send the sticky-cache flush once rather than
 * on every periodic sync (§5.3, bug §10.4). The memory is dropped on every
 * disconnect: after a reconnect at most one redundant flush is sent.
 */
import { DomainError } from "../../protocols/common/domain-error.js";
import { flushedAfter } from "../../protocols/lb/apply.js";
import { type LbErrorCode, lbCodeForRetval } from "../../protocols/lb/errors.js";
import type { IpAddr } from "../../protocols/lb/ip.js";
import type { LbOp } from "../../protocols/lb/ops.js";
import {
  type AsState,
  type LbConf,
  type LbState,
  type VipState,
  vipKeyId,
} from "../../protocols/lb/types.js";
import type { LbApplyReport, LbDataplane, LbDataplaneEvent } from "../lb-dataplane.js";
import { VppClient, type VppClientOptions } from "./client.js";
import { VppError, vppRetval } from "./errors.js";
import { execOp, lbErrorFromRetval, readConf, readVips, writeConf } from "./lb-api.js";

const asKey = (vip: string, a: IpAddr): string => `${vip}|${a}`;

/** VPP implementation of `LbDataplane`. */
export class VppLbDataplane implements LbDataplane {
  readonly kind = "vpp" as const;
  readonly client: VppClient;
  readonly #listeners = new Set<(e: LbDataplaneEvent) => void>();
  /** (VIP, AS) → last weight we set and whether we flushed it at 0. */
  readonly #memo = new Map<string, { weight: number; flushed: boolean }>();
  #poolIndexes = new Map<string, number>();

  constructor(options: VppClientOptions) {
    this.client = new VppClient(options);
    this.client.on((e) => {
      if (e.kind === "connected") this.#emit({ kind: "connected" });
      if (e.kind === "disconnected") {
        this.#memo.clear();
        this.#emit({ kind: "disconnected", reason: `${e.code}: ${e.detail}` });
      }
    });
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** LB pool index per VIP id from the last `read()` (the stats counter index, §5.6). */
  get poolIndexes(): ReadonlyMap<string, number> {
    return this.#poolIndexes;
  }

  onEvent(listener: (e: LbDataplaneEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(e: LbDataplaneEvent): void {
    for (const l of [...this.#listeners]) l(e);
  }

  async start(): Promise<void> {
    this.client.start();
  }

  async stop(): Promise<void> {
    await this.client.stop();
  }

  #boundary(e: unknown, what: string): DomainError<LbErrorCode> {
    const rv = vppRetval(e);
    if (rv !== undefined) return lbErrorFromRetval(rv, what);
    const detail = e instanceof VppError ? `${e.code}: ${e.message}` : String(e);
    return new DomainError<LbErrorCode>("LB_E_UNAVAILABLE", `${what}: VPP unavailable (${detail})`, {
      cause: e instanceof VppError ? e.code : "unknown",
    });
  }

  async read(): Promise<LbState> {
    let vips: Awaited<ReturnType<typeof readVips>>;
    try {
      vips = await readVips(this.client);
    } catch (e: unknown) {
      throw this.#boundary(e, "read LB state");
    }
    const out = new Map<string, VipState>();
    const indexes = new Map<string, number>();
    for (const v of vips) {
      const id = vipKeyId(v.key);
      if (v.poolIndex !== undefined) indexes.set(id, v.poolIndex);
      const ases = new Map<IpAddr, AsState>();
      for (const [address, weight] of v.ases) {
        const m = this.#memo.get(asKey(id, address));
        // Someone else may have changed the weight since: the memory only counts while it matches.
        const flushed = m !== undefined && m.weight === weight && weight === 0 && m.flushed;
        ases.set(address, { address, weight, flushed });
      }
      out.set(id, {
        key: v.key,
        encap: v.encap,
        srcIpSticky: v.srcIpSticky,
        flowTableLength: v.flowTableLength,
        ases,
      });
    }
    this.#poolIndexes = indexes;
    return out;
  }

  #remember(op: LbOp): void {
    const id = vipKeyId(op.key);
    switch (op.kind) {
      case "vip-add":
        return;
      case "vip-del":
        for (const k of [...this.#memo.keys()]) if (k.startsWith(`${id}|`)) this.#memo.delete(k);
        return;
      case "as-del":
        this.#memo.delete(asKey(id, op.address));
        return;
      case "as-add":
      case "as-set-weight": {
        const k = asKey(id, op.address);
        const prev = op.kind === "as-add" ? undefined : this.#memo.get(k);
        const prevState = prev === undefined ? undefined : { address: op.address, ...prev };
        this.#memo.set(k, { weight: op.weight, flushed: flushedAfter(prevState, op.weight, op.flush) });
        return;
      }
    }
  }

  async apply(ops: readonly LbOp[]): Promise<LbApplyReport> {
    for (const [index, op] of ops.entries()) {
      try {
        await execOp(this.client, op);
      } catch (e: unknown) {
        const rv = vppRetval(e);
        const message = e instanceof Error ? e.message : String(e);
        if (rv !== undefined) {
          return {
            ok: false,
            applied: index,
            error: { code: lbCodeForRetval(rv), retval: rv, message, index, op },
          };
        }
        return { ok: false, applied: index, error: { code: "LB_E_UNAVAILABLE", message, index, op } };
      }
      this.#remember(op);
    }
    return { ok: true, applied: ops.length };
  }

  async readConf(): Promise<LbConf> {
    try {
      return await readConf(this.client);
    } catch (e: unknown) {
      throw this.#boundary(e, "lb_conf_get");
    }
  }

  async writeConf(conf: LbConf): Promise<void> {
    try {
      await writeConf(this.client, conf);
    } catch (e: unknown) {
      throw this.#boundary(e, "lb_conf");
    }
  }
}
