/**
 * Keeps a `RouteTable` equal to a desired set of routes (style guide §7 D.21,
 * maghemite's mg-lower loop): incremental changes are applied as they come
 * with latest-value semantics per destination, and a periodic drift check
 * re-reads our routes from the kernel, diffs and repairs (someone ran
 * `ip route del`, a link flap flushed routes, a write failed).
 *
 * Restart policy (spec Part 5 item 5: ddmd neither reconciles nor cleans up
 * on SIGTERM): routes found at start are adopted — kept, not deleted — for
 * `adoptMs`, long enough for the peers to be rediscovered and re-pulled, so
 * forwarding survives a daemon restart. After that window a drift check
 * deletes whatever of ours is still not desired. `cleanupOnStop` deletes
 * every route of ours on a graceful stop instead of leaving them.
 */
import { ChainIndex } from "../../protocols/common/chain-index.js";
import { canonicalIpv6 } from "../../protocols/ddm/ip.js";
import { RT_TABLE_MAIN } from "./constants.js";
import type { RouteBatchResult, RouteKey, RouteOp, RouteTable, RouteTableError } from "./routes.js";
import type { KernelNexthop, KernelRoute, RouteSpec } from "./rtnetlink.js";

/**
 * Canonical text of a destination, so `fd00:1:0::` and `fd00:1::` are one
 * key; text already canonical (all the RIB and the kernel decoder produce)
 * is used as it is.
 */
function canonical(family: 4 | 6, dst: string): string {
  return family === 4 ? dst : (canonicalIpv6(dst) ?? dst);
}

/**
 * The identity of a route in the table: family, destination, table.
 * `canonicalDst` says the caller's destination text is canonical already
 * (the RIB's always is), which spares parsing it again per route.
 */
export function routeKeyString(k: RouteKey, canonicalDst = false): string {
  return `${k.family}|${canonicalDst ? k.dst : canonical(k.family, k.dst)}/${k.dstLen}|${k.table ?? RT_TABLE_MAIN}`;
}

const sameNexthop = (x: KernelNexthop, y: KernelNexthop): boolean =>
  x.gateway === y.gateway && x.ifIndex === y.ifIndex && x.weight === y.weight;

/**
 * True when two nexthop sets are equal as sets. ECMP sets are small (DDM's
 * has one member per neighbour), so members are matched pairwise: no string
 * or array is built per comparison, which matters at one per route change.
 */
export function sameNexthops(a: readonly KernelNexthop[], b: readonly KernelNexthop[]): boolean {
  // Interned sets (`fibChangeToOp`) are usually the very same array.
  return a === b || (a.length === b.length && within(a, b) && within(b, a));
}

/** Every member of `xs` is in `ys`. */
function within(xs: readonly KernelNexthop[], ys: readonly KernelNexthop[]): boolean {
  for (const x of xs) {
    let found = false;
    for (const y of ys)
      if (sameNexthop(x, y)) {
        found = true;
        break;
      }
    if (!found) return false;
  }
  return true;
}

/** What a drift check has to do. */
export interface RouteDiff {
  readonly replace: readonly RouteSpec[];
  readonly remove: readonly RouteKey[];
}

/**
 * Pure diff of desired routes against the kernel's routes of ours.
 * `skip(key)` excludes keys with a change in flight; `keepExtra(key)` keeps
 * an undesired kernel route (adoption window).
 */
export function diffRoutes(
  desired: ReadonlyMap<string, RouteSpec>,
  current: readonly KernelRoute[],
  skip: (key: string) => boolean,
  keepExtra: (key: string) => boolean,
): RouteDiff {
  const replace: RouteSpec[] = [];
  const remove: RouteKey[] = [];
  const seen = new Set<string>();
  for (const r of current) {
    const k = routeKeyString(r);
    seen.add(k);
    if (skip(k)) continue;
    const want = desired.get(k);
    if (want === undefined) {
      if (!keepExtra(k)) remove.push({ family: r.family, dst: r.dst, dstLen: r.dstLen, table: r.table });
    } else if (!sameNexthops(want.nexthops, r.nexthops)) replace.push(want);
  }
  for (const [k, want] of desired) if (!seen.has(k) && !skip(k)) replace.push(want);
  return { replace, remove };
}

/** Something the sync reports for logs and metrics. */
export type RouteSyncEvent =
  | { readonly kind: "write-failed"; readonly key: string; readonly error: RouteTableError }
  | { readonly kind: "drift-repaired"; readonly replaced: number; readonly removed: number }
  | { readonly kind: "dump-failed"; readonly error: RouteTableError }
  | { readonly kind: "adopted"; readonly routes: number }
  /** A batch landed: routes written, and changes skipped since the last report because the kernel held them already. */
  | { readonly kind: "written"; readonly written: number; readonly failed: number; readonly skipped: number };

/** Options of `RouteSync`. */
export interface RouteSyncOptions {
  readonly table: RouteTable;
  /** Keep undesired routes of ours found at start for this long (ms). */
  readonly adoptMs: number;
  /** Period of the drift check (ms); 0 disables it. */
  readonly driftCheckMs: number;
  /** Delete every route of ours on `stop()`. */
  readonly cleanupOnStop: boolean;
  /**
   * Most writes in one batch (default 2048). Batches go one at a time; a
   * batch's failures are queued on the netlink socket until read, so this
   * also bounds what the socket's receive buffer must hold.
   */
  readonly maxInFlight?: number;
  readonly onEvent?: (e: RouteSyncEvent) => void;
  /** Monotonic ms; defaults to `performance.now`. */
  readonly now?: () => number;
}

/** Where a destination's write stands. */
enum Phase {
  /** Nothing to write. */
  Idle,
  /** Queued for the next batch. */
  Dirty,
  /** In the batch being written. */
  InFlight,
  /** In the batch being written, and changed again since: queued once it lands. */
  InFlightAgain,
}

/**
 * One destination: what we want, what the kernel holds as far as we know,
 * and where its write stands. One entry per destination, found with one map
 * lookup per change; the queue of dirty entries and the batch in flight hold
 * the entries themselves. (Four maps and sets keyed by the route's text cost
 * four hash lookups and their churn per change: the largest JS cost of a
 * 30,000-route burst in bench/ddm.) The map is keyed by the destination's
 * address text alone, the string the caller already has, and entries with
 * the same address (other lengths, tables, family) are chained: building
 * and hashing a `family|dst/len|table` string per change was still the
 * largest cost of the sync in bench/ddm/server-path.
 */
interface Entry {
  readonly family: 4 | 6;
  /** Canonical destination address text (the map key). */
  readonly dst: string;
  readonly dstLen: number;
  readonly table: number;
  /** The next entry with the same `dst`. */
  next: Entry | undefined;
  /** The key to delete with when nothing is desired: as the delete asked, or (null) from the fields above. */
  key: RouteKey | null;
  /**
   * The desired nexthops, or null for no route. With the fields above and
   * `priority` an entry is its own `RouteSpec` (the batch is handed the
   * entry): no spec object per change is allocated and kept alive until the
   * next one replaces it (each was copied by the scavenger, then died old).
   */
  nexthops: readonly KernelNexthop[] | null;
  priority: number | undefined;
  /**
   * A value set while the entry's write is in flight (`undefined`: none).
   * The entry is the spec the table is writing, so it does not change
   * under the table (which may read it later); the value moves in when the
   * write lands.
   */
  later: readonly KernelNexthop[] | null | undefined;
  laterPriority: number | undefined;
  /**
   * What the kernel holds: its nexthops, `null` for no route, `undefined`
   * for unknown (a write failed). Known from the dump at start (adoption),
   * each drift check and every write that landed. A desired value equal to
   * it is not written again: a daemon restarted with its routes kept in the
   * kernel re-learns tens of thousands of routes it need not rewrite. The
   * periodic drift check corrects a stale belief.
   */
  installed: readonly KernelNexthop[] | null | undefined;
  phase: Phase;
}

/** An entry that wants a route, as the `RouteSpec` it is. */
type Wanting = Entry & { readonly nexthops: readonly KernelNexthop[] };
const wants = (e: Entry): e is Wanting => e.nexthops !== null;

/** What an entry wants as a plain spec (the value set last, in flight or not), or null. */
function specOf(e: Entry): RouteSpec | null {
  const nexthops = e.later === undefined ? e.nexthops : e.later;
  const priority = e.later === undefined ? e.priority : e.laterPriority;
  if (nexthops === null) return null;
  const s = { family: e.family, dst: e.dst, dstLen: e.dstLen, table: e.table, nexthops };
  return priority === undefined ? s : { ...s, priority };
}

/** The key of an entry's route, from its own fields. */
const keyOf = (e: Entry): RouteKey => ({ family: e.family, dst: e.dst, dstLen: e.dstLen, table: e.table });

/** `routeKeyString` of an entry's route (its `dst` is canonical). */
const entryKey = (e: Entry): string => routeKeyString(e, true);

/** The reconciler. One per daemon. */
export class RouteSync {
  /** Destination address text → the entries with that address (chained by `next`). */
  private readonly entries = new ChainIndex<Entry>();
  /** Entries to write, in the order they became dirty. */
  private dirty = new Set<Entry>();
  /** Entries of the batch in flight. */
  private inFlight = 0;
  private pumpQueued = false;
  /** A batch is being written (one at a time; see `pump`). */
  private writing = false;
  private adoptUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private drifting: Promise<RouteDiff | null> | undefined;
  private idleWaiters: (() => void)[] = [];
  private stopped = false;
  private readonly maxInFlight: number;
  private readonly now: () => number;
  /** Writes that failed (other than deleting an absent route). */
  failures = 0;
  /** Route writes sent to the kernel (replaces and deletes). */
  writes = 0;
  /** Changes that needed no write: the kernel already held the desired value. */
  skipped = 0;
  /** `skipped` at the last "written" event. */
  private skippedReported = 0;

  constructor(private readonly opts: RouteSyncOptions) {
    this.maxInFlight = opts.maxInFlight ?? 2048;
    this.now = opts.now ?? (() => performance.now());
  }

  /** Begin: open the adoption window and start the periodic drift check. */
  async start(): Promise<void> {
    this.adoptUntil = this.now() + this.opts.adoptMs;
    const cur = await this.opts.table.dumpOurs();
    if (cur.ok) {
      for (const r of cur.value) this.entryOf(r, false).installed = r.nexthops;
      this.opts.onEvent?.({ kind: "adopted", routes: cur.value.length });
    } else this.opts.onEvent?.({ kind: "dump-failed", error: cur.error });
    this.arm();
  }

  /**
   * Set the desired route under `key` (a spec), or remove it (`null`, with
   * its key). `canonicalDst`: the destination text is canonical already.
   */
  set(key: RouteKey, spec: RouteSpec | null, canonicalDst = false): void {
    const e = this.entry(key.family, key.dst, key.dstLen, key.table ?? RT_TABLE_MAIN, canonicalDst);
    if (spec === null) e.key = key;
    this.want(e, spec === null ? null : spec.nexthops, spec?.priority);
  }

  /**
   * `set` by the route's fields: `nexthops` (a non-empty set) or null for
   * no route. The burst path (the DDM router): no key or spec object.
   */
  setRoute(
    family: 4 | 6,
    dst: string,
    dstLen: number,
    table: number,
    nexthops: readonly KernelNexthop[] | null,
    canonicalDst = false,
  ): void {
    const e = this.entry(family, dst, dstLen, table, canonicalDst);
    if (nexthops === null) e.key = null;
    this.want(e, nexthops, undefined);
  }

  private want(e: Entry, nexthops: readonly KernelNexthop[] | null, priority: number | undefined): void {
    switch (e.phase) {
      case Phase.InFlight:
      case Phase.InFlightAgain:
        e.later = nexthops;
        e.laterPriority = priority;
        e.phase = Phase.InFlightAgain;
        return;
      case Phase.Dirty:
      case Phase.Idle:
        break;
    }
    e.nexthops = nexthops;
    e.priority = priority;
    if (this.holds(e)) {
      // Already so in the kernel; a write queued earlier for another value is dropped.
      if (e.phase === Phase.Dirty) this.dirty.delete(e);
      e.phase = Phase.Idle;
      this.skipped += 1;
      this.forgetIfEmpty(e);
      this.schedulePump(); // reports the skip (and writes anything else queued)
      return;
    }
    if (e.phase === Phase.Idle) {
      e.phase = Phase.Dirty;
      this.dirty.add(e);
    }
    // One pump per event-loop turn, in its check phase: a RIB change of
    // 10,000 routes is queued first and then written as full batches, and
    // changes made by other callbacks of the same turn (the router handles
    // one message per `setImmediate`, so a push from each transit handled
    // back to back) coalesce per destination, the latest value winning,
    // instead of writing a destination once per message.
    this.schedulePump();
  }

  /** The desired routes (for tests and the API). */
  desiredRoutes(): RouteSpec[] {
    const out: RouteSpec[] = [];
    for (const e of this.all()) {
      const spec = specOf(e);
      if (spec !== null) out.push(spec);
    }
    return out;
  }

  /** Resolves once nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.dirty.size === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Re-read our routes, diff against the desired set and repair. Returns what was done, or null on a failed dump. */
  checkDrift(): Promise<RouteDiff | null> {
    this.drifting ??= this.drift().finally(() => {
      this.drifting = undefined;
    });
    return this.drifting;
  }

  /** Stop the drift check; with `cleanupOnStop`, delete every route of ours (and then the table's nexthop objects). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.idle();
    if (!this.opts.cleanupOnStop) return;
    const cur = await this.opts.table.dumpOurs();
    if (!cur.ok) {
      this.opts.onEvent?.({ kind: "dump-failed", error: cur.error });
      return;
    }
    await this.opts.table.writeBatch(
      cur.value.map((r) => ({
        op: "delete" as const,
        key: { family: r.family, dst: r.dst, dstLen: r.dstLen, table: r.table },
      })),
    );
    this.entries.clear();
    await this.opts.table.release?.();
  }

  /** The entry of `key`'s route, created (wanting and holding nothing) if absent. */
  private entryOf(key: RouteKey, canonicalDst: boolean): Entry {
    return this.entry(key.family, key.dst, key.dstLen, key.table ?? RT_TABLE_MAIN, canonicalDst);
  }

  private entry(family: 4 | 6, addr: string, dstLen: number, table: number, canonicalDst: boolean): Entry {
    const dst = canonicalDst ? addr : canonical(family, addr);
    for (let e = this.entries.head(dst); e !== undefined; e = e.next)
      if (e.dstLen === dstLen && e.table === table && e.family === family) return e;
    const e: Entry = {
      family,
      dst,
      dstLen,
      table,
      next: undefined,
      // Not the caller's key: keeping the first key alive in every entry
      // doubled the sync's long-lived objects.
      key: null,
      nexthops: null,
      priority: undefined,
      later: undefined,
      laterPriority: undefined,
      installed: null,
      phase: Phase.Idle,
    };
    this.entries.push(dst, e);
    return e;
  }

  /** Every entry. */
  private all(): Entry[] {
    return this.entries.all();
  }

  /** True when the kernel holds what `e` wants. */
  private holds(e: Entry): boolean {
    const have = e.installed;
    if (have === undefined) return false;
    return e.nexthops === null ? have === null : have !== null && sameNexthops(have, e.nexthops);
  }

  /** Drop an entry that holds nothing and wants nothing (keeps the map the size of the table). */
  private forgetIfEmpty(e: Entry): void {
    if (e.phase === Phase.Idle && e.nexthops === null && e.installed === null) this.entries.remove(e.dst, e);
  }

  private arm(): void {
    if (this.opts.driftCheckMs <= 0 || this.stopped) return;
    this.timer = setTimeout(() => {
      void this.checkDrift().finally(() => this.arm());
    }, this.opts.driftCheckMs);
    this.timer.unref();
  }

  private async drift(): Promise<RouteDiff | null> {
    const cur = await this.opts.table.dumpOurs();
    if (!cur.ok) {
      this.opts.onEvent?.({ kind: "dump-failed", error: cur.error });
      return null;
    }
    const adopting = this.now() < this.adoptUntil;
    // A drift check is periodic: its keys are built as strings once per check.
    const byKey = new Map<string, Entry>();
    for (const e of this.all()) byKey.set(entryKey(e), e);
    const busy = (k: string): boolean => {
      const e = byKey.get(k);
      return e !== undefined && e.phase !== Phase.Idle;
    };
    // What the kernel holds now replaces what we believed, except for keys with a write under way.
    const seen = new Set<string>();
    for (const r of cur.value) {
      const k = routeKeyString(r);
      seen.add(k);
      if (!busy(k)) this.entryOf(r, false).installed = r.nexthops;
    }
    const desired = new Map<string, RouteSpec>();
    for (const e of this.all()) {
      const k = entryKey(e);
      if (e.phase === Phase.Idle && !seen.has(k)) {
        e.installed = null;
        this.forgetIfEmpty(e);
      }
      if (wants(e)) desired.set(k, e);
    }
    const d = diffRoutes(desired, cur.value, busy, () => adopting);
    if (d.replace.length + d.remove.length === 0) return d;
    // Skipped keys are idle, so they go straight to the queue.
    for (const r of d.replace) this.queue(this.entryOf(r, false));
    // A removal has no desired spec, so the entry's key is what gets deleted.
    for (const k of d.remove) {
      const e = this.entryOf(k, false);
      e.key = k;
      this.queue(e);
    }
    this.pump();
    this.opts.onEvent?.({ kind: "drift-repaired", replaced: d.replace.length, removed: d.remove.length });
    await this.idle();
    return d;
  }

  private queue(e: Entry): void {
    if (e.phase !== Phase.Idle) return;
    e.phase = Phase.Dirty;
    this.dirty.add(e);
  }

  private schedulePump(): void {
    if (this.pumpQueued || this.writing) return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  /**
   * Write up to `maxInFlight` dirty entries as one batch (`RouteTable.writeBatch`:
   * packed netlink datagrams, no ack per route) and pump again when it has
   * landed. One batch at a time bounds what the kernel may queue for us
   * (errors only) and lets the event loop run other work, such as pushes to
   * peers, between batches of a 30,000-route burst.
   */
  private pump(): void {
    if (this.writing) return;
    const ops: RouteOp[] = [];
    const batch: Entry[] = [];
    /** What each op writes: the entry may change again before the batch lands. */
    const sent: (readonly KernelNexthop[] | null)[] = [];
    for (const e of this.dirty) {
      if (ops.length >= this.maxInFlight) break;
      this.dirty.delete(e);
      e.phase = Phase.InFlight;
      ops.push(wants(e) ? { op: "replace", route: e } : { op: "delete", key: e.key ?? keyOf(e) });
      batch.push(e);
      sent.push(e.nexthops);
    }
    if (ops.length === 0) {
      if (this.skipped !== this.skippedReported) this.report(0, 0);
      this.wake();
      return;
    }
    this.writing = true;
    this.inFlight = ops.length;
    this.writes += ops.length;
    void this.opts.table.writeBatch(ops).then((failed) => this.landed(batch, sent, failed));
  }

  private report(written: number, failed: number): void {
    const skipped = this.skipped - this.skippedReported;
    this.skippedReported = this.skipped;
    this.opts.onEvent?.({ kind: "written", written, failed, skipped });
  }

  private landed(
    batch: readonly Entry[],
    sent: readonly (readonly KernelNexthop[] | null)[],
    failed: RouteBatchResult,
  ): void {
    this.writing = false;
    this.inFlight = 0;
    let failures = 0;
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i];
      if (e === undefined) continue;
      const error = failed.size === 0 ? undefined : failed.get(i);
      if (error === undefined || error.code === "KERNEL_E_NOT_FOUND") {
        e.installed = sent[i] ?? null;
      } else {
        // Not retried at once (a rejected route would spin); the next drift check repairs it.
        e.installed = undefined;
        this.failures += 1;
        failures += 1;
        this.opts.onEvent?.({ kind: "write-failed", key: entryKey(e), error });
      }
      if (e.later !== undefined) {
        e.nexthops = e.later;
        e.priority = e.laterPriority;
        e.later = undefined;
      }
      if (e.phase === Phase.InFlightAgain && !this.holds(e)) {
        e.phase = Phase.Dirty;
        this.dirty.add(e);
      } else {
        e.phase = Phase.Idle;
        this.forgetIfEmpty(e);
      }
    }
    this.report(batch.length - failures, failures);
    this.pump();
  }

  private wake(): void {
    const w = this.idleWaiters.splice(0);
    for (const f of w) f();
  }
}
