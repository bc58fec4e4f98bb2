/**
 * What a reload changes. SIGHUP applies only the difference (maglev-vpp.md
 * §2.7: new backends get a worker, removed ones stop, unchanged ones keep
 * probing undisturbed), so the daemon needs, per section, which named objects
 * were added, removed, changed or left alone. Pure: two decoded configs in,
 * a plain value out.
 */
import { type Config, SECTION_NAMES, type SectionName } from "./schema.js";

/** Names per outcome, each list sorted. */
export interface NamedDiff {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
  readonly unchanged: readonly string[];
}

/** The difference in one section. */
export interface SectionDiff {
  /** Anything at all in the section differs. */
  readonly changed: boolean;
  /** Settings outside the named objects differ (for `api`, `ddm`, `dataplane`: the whole section). */
  readonly settingsChanged: boolean;
  /** Present for sections that hold named objects: healthchecks, backends, frontends, and `bfd.peers`. */
  readonly objects?: NamedDiff;
}

/** Per-section difference between two configs. */
export type ConfigDiff = { readonly [S in SectionName]: SectionDiff };

/**
 * Where each section keeps its named objects: `[]` when the section itself is
 * the name → object map, a key when they sit under one, `undefined` when the
 * section has none. A subsystem adding a named collection adds it here.
 */
const NAMED_AT: { readonly [S in SectionName]: string | [] | undefined } = {
  api: undefined,
  bfd: "peers",
  ddm: undefined,
  healthchecks: [],
  backends: [],
  frontends: [],
  dataplane: undefined,
};

/** Structural equality of decoded config values (plain data: no Dates, Maps, cycles). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const ka = Object.keys(a);
  const rb = b as Record<string, unknown>;
  const ra = a as Record<string, unknown>;
  return (
    ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(rb, k) && deepEqual(ra[k], rb[k]))
  );
}

/** Compare two name → object maps. */
export function diffNamed(
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
): NamedDiff {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  const unchanged: string[] = [];
  for (const name of Object.keys(after)) {
    if (!Object.hasOwn(before, name)) added.push(name);
    else if (deepEqual(before[name], after[name])) unchanged.push(name);
    else changed.push(name);
  }
  for (const name of Object.keys(before)) if (!Object.hasOwn(after, name)) removed.push(name);
  return {
    added: added.sort(),
    removed: removed.sort(),
    changed: changed.sort(),
    unchanged: unchanged.sort(),
  };
}

function sectionDiff(before: unknown, after: unknown, at: string | [] | undefined): SectionDiff {
  if (at === undefined) {
    const changed = !deepEqual(before, after);
    return { changed, settingsChanged: changed };
  }
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  if (Array.isArray(at)) {
    const objects = diffNamed(b, a);
    const changed = objects.added.length + objects.removed.length + objects.changed.length > 0;
    return { changed, settingsChanged: false, objects };
  }
  const objects = diffNamed(
    (b[at] ?? {}) as Record<string, unknown>,
    (a[at] ?? {}) as Record<string, unknown>,
  );
  const { [at]: _b, ...restBefore } = b;
  const { [at]: _a, ...restAfter } = a;
  const settingsChanged = !deepEqual(restBefore, restAfter);
  const changed =
    settingsChanged || objects.added.length + objects.removed.length + objects.changed.length > 0;
  return { changed, settingsChanged, objects };
}

/** Per section, what changed from `before` to `after`. */
export function diffConfig(before: Config, after: Config): ConfigDiff {
  const out = {} as Record<SectionName, SectionDiff>;
  for (const s of SECTION_NAMES) out[s] = sectionDiff(before[s], after[s], NAMED_AT[s]);
  return out;
}

/** True when nothing changed anywhere (a reload is then a no-op). */
export function isEmptyDiff(diff: ConfigDiff): boolean {
  return SECTION_NAMES.every((s) => !diff[s].changed);
}

/**
 * Backends that need a fresh probe worker after a reload: added ones, and
 * those whose own definition or whose health check's definition changed
 * (maglev-vpp.md §2.7 "fast path": everything else keeps probing).
 */
export function backendsToRestart(
  before: Config,
  after: Config,
  diff: ConfigDiff = diffConfig(before, after),
): string[] {
  const hcChanged = new Set([
    ...(diff.healthchecks.objects?.changed ?? []),
    ...(diff.healthchecks.objects?.added ?? []),
  ]);
  const out = new Set<string>([
    ...(diff.backends.objects?.added ?? []),
    ...(diff.backends.objects?.changed ?? []),
  ]);
  for (const [name, b] of Object.entries(after.backends)) {
    if (b.healthcheck !== undefined && hcChanged.has(b.healthcheck)) out.add(name);
  }
  return [...out].sort();
}
