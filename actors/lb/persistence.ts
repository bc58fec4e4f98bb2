/**
 * What the LB subsystem persists in the embedded store (DESIGN.md,
 * Persistence: "weight overrides"), two collections:
 *
 * - `lb-weight-overrides`: one record per (frontend, pool, backend) whose
 *   weight an operator set at run time (`PUT …/weight`), key the JSON array
 *   `[frontend, pool, backend]`, value `{ frontend, pool, backend, weight }`.
 *   Restored when the frontend actor starts, so an override survives a
 *   restart of the daemon and of the actor.
 * - `lb-owned-vips`: one record per VIP this daemon created or adopted (key
 *   `vipKeyId`, value `{ frontend }`). The full sync removes VIPs that are
 *   owned but no longer configured, and leaves VIPs somebody else made alone
 *   (maglev-vpp §5.4 leaves ownership open; see README).
 *
 * Both are schema v1; there never was an unversioned layout.
 */
import { err, ok, type Result } from "../../protocols/common/result.js";
import type { CollectionSpec, StoreOp } from "../../dataplane/store/index.js";

/** A persisted weight override. */
export interface WeightOverride {
  readonly frontend: string;
  readonly pool: string;
  readonly backend: string;
  readonly weight: number;
  readonly configuredWeight: number;
}

/** The record key of an override. */
export function overrideKey(frontend: string, pool: string, backend: string): string {
  return JSON.stringify([frontend, pool, backend]);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isWeight(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 100;
}

/** Parse a stored override (untrusted: the file may have been edited by hand). */
export function decodeOverride(value: unknown): Result<WeightOverride, string> {
  if (!isObject(value)) return err("not an object");
  const { frontend, pool, backend, weight, configuredWeight } = value;
  if (Object.keys(value).length !== 5)
    return err("expected exactly frontend, pool, backend, weight, configuredWeight");
  if (typeof frontend !== "string" || typeof pool !== "string" || typeof backend !== "string")
    return err("frontend, pool and backend must be strings");
  if (!isWeight(weight) || !isWeight(configuredWeight))
    return err("weight and configuredWeight must be integers 0..100");
  return ok({ frontend, pool, backend, weight, configuredWeight });
}

/** The `lb-weight-overrides` collection. */
export const WEIGHT_OVERRIDES: CollectionSpec<WeightOverride> = {
  name: "lb-weight-overrides",
  schemaVersion: 1,
  migrations: [() => err("lb-weight-overrides has no unversioned layout")],
  decode: decodeOverride,
};

/** A VIP this daemon owns. */
export interface OwnedVip {
  readonly frontend: string;
}

/** Parse a stored ownership record. */
export function decodeOwnedVip(value: unknown): Result<OwnedVip, string> {
  if (!isObject(value) || typeof value["frontend"] !== "string" || Object.keys(value).length !== 1)
    return err('expected exactly { "frontend": string }');
  return ok({ frontend: value["frontend"] });
}

/** The `lb-owned-vips` collection. */
export const OWNED_VIPS: CollectionSpec<OwnedVip> = {
  name: "lb-owned-vips",
  schemaVersion: 1,
  migrations: [() => err("lb-owned-vips has no unversioned layout")],
  decode: decodeOwnedVip,
};

/** The store surface the frontend actors need (the real `Collection` satisfies it). */
export interface OverrideStore {
  get(key: string): { readonly value: WeightOverride } | undefined;
  list(): readonly { readonly key: string; readonly value: WeightOverride }[];
  put(key: string, value: WeightOverride): Promise<unknown>;
  delete(key: string): Promise<boolean>;
}

/** The store surface the dataplane actor needs. */
export interface OwnedVipStore {
  list(): readonly { readonly key: string; readonly value: OwnedVip }[];
  apply(ops: readonly StoreOp<OwnedVip>[]): Promise<void>;
}

/** In-memory stores (tests, and a daemon whose state directory cannot be opened). */
export class MemoryCollection<T> {
  private readonly records = new Map<string, { key: string; value: T }>();
  /** Fail the next writes with this message (tests). */
  failWrites: string | undefined;

  get(key: string): { readonly value: T } | undefined {
    return this.records.get(key);
  }

  list(): { key: string; value: T }[] {
    return [...this.records.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async put(key: string, value: T): Promise<unknown> {
    this.check();
    this.records.set(key, { key, value });
    return undefined;
  }

  async delete(key: string): Promise<boolean> {
    this.check();
    return this.records.delete(key);
  }

  async apply(ops: readonly StoreOp<T>[]): Promise<void> {
    this.check();
    for (const op of ops) {
      if (op.kind === "put") this.records.set(op.key, { key: op.key, value: op.value });
      else this.records.delete(op.key);
    }
  }

  private check(): void {
    if (this.failWrites !== undefined) throw new Error(this.failWrites);
  }
}
