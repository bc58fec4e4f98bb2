/**
 * Originated prefixes and tunnel endpoints survive a restart (spec
 * ddm-bfd-maghemite.md §1.7; DESIGN.md Persistence): two store collections,
 * keyed by canonical text so a re-advertise is one record, never two.
 */
import { err, ok, type Result } from "../../protocols/common/result.js";
import {
  formatNet,
  type Ipv6Net,
  parseIpNet,
  parseIpv6,
  parseIpv6Net,
  type TunnelOrigin,
  tunnelKey,
} from "../../protocols/ddm/index.js";
import type { Collection, CollectionSpec, Store } from "../../dataplane/store/index.js";

/** A stored originated prefix. */
export interface StoredPrefix {
  readonly prefix: string;
}

/** A stored tunnel endpoint (v3 field names; the u64 metric as decimal text). */
export interface StoredTunnel {
  readonly overlay_prefix: string;
  readonly boundary_addr: string;
  readonly vni: number;
  readonly metric: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

export const PREFIXES: CollectionSpec<StoredPrefix> = {
  name: "ddm-originated",
  schemaVersion: 1,
  migrations: [(doc) => ok(doc)],
  decode: (v) =>
    isObj(v) && typeof v["prefix"] === "string" && parseIpv6Net(v["prefix"]).ok
      ? ok({ prefix: v["prefix"] })
      : err("expected {prefix: <ipv6 cidr>}"),
};

export const TUNNELS: CollectionSpec<StoredTunnel> = {
  name: "ddm-tunnel-originated",
  schemaVersion: 1,
  migrations: [(doc) => ok(doc)],
  decode: (v) => {
    if (!isObj(v)) return err("expected an object");
    const t = fromStored(v as unknown as StoredTunnel);
    return t.ok ? ok(v as unknown as StoredTunnel) : err(t.error);
  },
};

/** The stored form of a tunnel endpoint. */
export function toStored(t: TunnelOrigin): StoredTunnel {
  return {
    overlay_prefix: formatNet(t.overlayPrefix),
    boundary_addr: t.boundaryAddr,
    vni: t.vni,
    metric: t.metric.toString(),
  };
}

/** Parse a stored tunnel endpoint. */
export function fromStored(s: StoredTunnel): Result<TunnelOrigin, string> {
  if (typeof s.overlay_prefix !== "string" || typeof s.boundary_addr !== "string")
    return err("bad tunnel record");
  const op = parseIpNet(s.overlay_prefix);
  const ba = parseIpv6(s.boundary_addr);
  if (!op.ok || !ba.ok) return err("bad tunnel address");
  if (!Number.isInteger(s.vni) || s.vni < 0 || s.vni > 0xffff_ffff) return err("bad vni");
  if (typeof s.metric !== "string" || !/^(0|[1-9][0-9]{0,19})$/.test(s.metric)) return err("bad metric");
  const metric = BigInt(s.metric);
  if (metric > 0xffff_ffff_ffff_ffffn) return err("bad metric");
  return ok({ overlayPrefix: op.value, boundaryAddr: ba.value, vni: s.vni, metric });
}

/** The two open collections. */
export interface DdmPersistence {
  readonly prefixes: Collection<StoredPrefix>;
  readonly tunnels: Collection<StoredTunnel>;
}

/** Open both collections. */
export async function openPersistence(store: Store): Promise<Result<DdmPersistence, Error>> {
  const p = await store.openCollection(PREFIXES);
  if (!p.ok) return p;
  const t = await store.openCollection(TUNNELS);
  if (!t.ok) return t;
  return ok({ prefixes: p.value, tunnels: t.value });
}

/** What is stored, parsed. */
export function loadOriginated(db: DdmPersistence): { prefixes: Ipv6Net[]; tunnels: TunnelOrigin[] } {
  const prefixes: Ipv6Net[] = [];
  for (const r of db.prefixes.list()) {
    const p = parseIpv6Net(r.value.prefix);
    if (p.ok) prefixes.push(p.value);
  }
  const tunnels: TunnelOrigin[] = [];
  for (const r of db.tunnels.list()) {
    const t = fromStored(r.value);
    if (t.ok) tunnels.push(t.value);
  }
  return { prefixes, tunnels };
}

/** Store keys. */
export const prefixKey = (p: Ipv6Net): string => formatNet(p);
export const tunnelStoreKey = (t: TunnelOrigin): string => tunnelKey(t);
