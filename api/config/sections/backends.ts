/**
 * `backends:` — named real servers (maglev-vpp.md §2.5). There is no weight
 * here: weights live in frontend pool membership since upstream's "Pools"
 * rework.
 *
 * | key | default | meaning |
 * |---|---|---|
 * | `address` | required | IPv4/IPv6 literal; probed, and the VPP application-server address |
 * | `healthcheck` | none | name of a `healthchecks` entry; none ⇒ static backend, `up` at once, never probed (§3.6) |
 * | `enabled` | `true` | `false` starts the backend `disabled` (not probed, weight 0) |
 * | `description` | none | free text for operators |
 *
 * Also here: the conversion of decoded backends into the health actors'
 * `BackendSpec`s, and the reload plan derived from the config diff (§2.7).
 */
import { Type } from "@sinclair/typebox";
import type { BackendSpec, ReloadPlan } from "../../../actors/health/types.js";
// Types only from diff.ts/schema.ts: they import this file's schema (a value import would cycle).
import type { ConfigDiff } from "../diff.js";
import { type Decoded, IpAddress, NamedMap } from "../primitives.js";
import type { Config } from "../schema.js";
import { checkSpecOf } from "./healthchecks.js";

/** One named backend. */
export const Backend = Type.Object(
  {
    address: IpAddress({ description: "backend address; becomes the VPP application-server address" }),
    healthcheck: Type.Optional(
      Type.String({ minLength: 1, description: "name of a healthchecks entry; absent ⇒ static backend" }),
    ),
    enabled: Type.Boolean({ default: true, description: "false starts the backend in the disabled state" }),
    description: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** Schema of the `backends` section. */
export const BackendsSection = NamedMap(Backend, "backends by name");
/** The decoded `backends` section. */
export type BackendsSection = Decoded<typeof BackendsSection>;

/** The health actor's view of backend `name` (semantic rules guarantee its check exists). */
export function backendSpecOf(config: Config, name: string): BackendSpec | undefined {
  const b = config.backends[name];
  if (b === undefined) return undefined;
  const h = b.healthcheck === undefined ? undefined : config.healthchecks[b.healthcheck];
  return {
    name,
    address: b.address,
    healthcheck: b.healthcheck,
    check: h === undefined ? undefined : checkSpecOf(h),
    enabled: b.enabled,
  };
}

/** Every backend, sorted by name. */
export function backendSpecs(config: Config): BackendSpec[] {
  return Object.keys(config.backends)
    .sort()
    .flatMap((n) => {
      const s = backendSpecOf(config, n);
      return s === undefined ? [] : [s];
    });
}

/**
 * What a reload does to the health actors (§2.7), from the config diff:
 * added backends start; removed ones stop; a backend whose check changed
 * (another `healthcheck` name, or that check's definition changed) restarts;
 * any other changed backend is updated in place, keeping its runtime state.
 * Backends untouched by the diff are left alone.
 */
export function planHealthReload(before: Config, after: Config, diff: ConfigDiff): ReloadPlan {
  const checksChanged = new Set([
    ...(diff.healthchecks.objects?.changed ?? []),
    ...(diff.healthchecks.objects?.added ?? []),
    ...(diff.healthchecks.objects?.removed ?? []),
  ]);
  const spec = (n: string) => backendSpecOf(after, n);
  const start = (diff.backends.objects?.added ?? []).flatMap((n) => spec(n) ?? []);
  const restart: BackendSpec[] = [];
  const update: { spec: BackendSpec; enabledChanged: boolean }[] = [];
  const changed = new Set(diff.backends.objects?.changed ?? []);
  const candidates = [...changed, ...(diff.backends.objects?.unchanged ?? [])].sort();
  for (const name of candidates) {
    const old = before.backends[name];
    const now = after.backends[name];
    const s = spec(name);
    if (old === undefined || now === undefined || s === undefined) continue;
    const checkChanged =
      old.healthcheck !== now.healthcheck ||
      (now.healthcheck !== undefined && checksChanged.has(now.healthcheck));
    if (checkChanged) restart.push(s);
    else if (changed.has(name)) update.push({ spec: s, enabledChanged: old.enabled !== now.enabled });
  }
  return { start, restart, update, stop: [...(diff.backends.objects?.removed ?? [])] };
}
