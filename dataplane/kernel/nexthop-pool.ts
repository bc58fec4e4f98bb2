/**
 * Which kernel nexthop objects are ours and what each stands for: the
 * bookkeeping behind routes that carry `RTA_NH_ID` instead of their own
 * gateways (`NetlinkRouteTable`). Pure: no socket, no timer.
 *
 * Why objects. A router has a handful of neighbours and tens of thousands of
 * routes through them. A route with inline gateways makes the kernel set up
 * a nexthop of its own (for IPv6 a `fib6_nh` with per-CPU state) per route
 * and per gateway; a route naming an object shares it. In bench/ddm that
 * per-route setup was the kernel's largest cost. An ECMP set is a group
 * object whose members are single-nexthop objects; every route with the
 * same set names the same group.
 *
 * Ids. The kernel's id space is one per network namespace and shared with
 * every other daemon (FRR's zebra numbers its objects below 250,000,000 and
 * the kernel's own allocation counts up from 1), so ours come from a private
 * range, `NEXTHOP_ID_BASE` upwards, skip every id seen in use, and every
 * object we create carries protocol 221. At start (`load`) the kernel's
 * objects are read: ours (protocol 221, in our range) are adopted and keyed
 * by what they hold, so a restarted daemon reuses them and the routes it
 * adopted keep pointing at valid objects; anything else in our range is
 * avoided.
 *
 * Objects the kernel removes are dropped from the keyed set, so the next
 * route through that neighbour creates a fresh object instead of naming a
 * missing one or a shrunk group: a deletion by somebody else comes as a
 * nexthop notification (`removed`, `changed`); a device going down (admin
 * down, carrier lost, unregistered) makes the kernel drop the objects on it
 * silently, so the table watches links too (`deviceDown`).
 *
 * Garbage: an object no route names is deleted at the next dump
 * (`garbage`), unless a write used it since that dump began.
 */
import type { KernelNexthopObject } from "./nexthop-codec.js";
import type { KernelNexthop } from "./rtnetlink.js";
import { RTPROT_MAGNETITE } from "./constants.js";

/** First id of our range (0x7dd00000): below INT_MAX, far above FRR's and the kernel's own. */
export const NEXTHOP_ID_BASE = 0x7dd0_0000;
/** Ids in our range. */
export const NEXTHOP_ID_SPAN = 0x10_0000;

/** One object of ours. */
export interface PoolObject {
  readonly id: number;
  /** What it holds, as text; null once the kernel changed it (then it is only garbage). */
  key: string | null;
  /** A single nexthop: its family, gateway and device; null for a group. */
  readonly single: {
    readonly family: 4 | 6;
    readonly gateway: string | null;
    readonly ifIndex: number;
  } | null;
  /** A group's members and weights; null for a single nexthop. */
  readonly members: readonly { readonly object: PoolObject; readonly weight: number }[] | null;
  /** What a route naming this object forwards through. */
  readonly nexthops: readonly KernelNexthop[];
  /** False once deleted, collected or found changed: a cached reference to it is stale. */
  live: boolean;
  /** The pool generation in which a write last named it (see `garbage`). */
  used: number;
}

/** What `plan` returns: the object a route names, and the creations it needs first (members before groups). */
export interface Plan {
  readonly object: PoolObject;
  readonly creates: readonly PoolObject[];
}

const singleKey = (family: 4 | 6, gateway: string | null, ifIndex: number): string =>
  `${family}|${gateway ?? ""}|${ifIndex}`;

/** The key of a group: members by id with weights, in id order, so member order does not matter. */
function groupKey(members: readonly { readonly object: PoolObject; readonly weight: number }[]): string {
  const parts = members.map((m) => `${m.object.id}*${m.weight}`);
  parts.sort();
  return `g|${parts.join(",")}`;
}

/** The objects of one routing socket's namespace. */
export class NexthopPool {
  private readonly byKey = new Map<string, PoolObject>();
  private readonly byId = new Map<number, PoolObject>();
  /** Ids in our range held by somebody else. */
  private readonly foreign = new Set<number>();
  /**
   * The object last planned for a nexthop set, by the set's identity: the
   * route layer interns its sets (`fibChangeToOp`), so a burst of routes
   * through the same neighbours costs one lookup here, no key text.
   */
  private readonly bySet: [
    WeakMap<readonly KernelNexthop[], PoolObject>,
    WeakMap<readonly KernelNexthop[], PoolObject>,
  ] = [new WeakMap(), new WeakMap()];
  private next: number;
  /** Bumped at every dump (`beginDump`). */
  private generation = 1;

  constructor(
    readonly base = NEXTHOP_ID_BASE,
    readonly span = NEXTHOP_ID_SPAN,
  ) {
    this.next = base;
  }

  /** Objects of ours, live. */
  get size(): number {
    return this.byId.size;
  }

  /**
   * The object for routes of `family` through `set`, and what must be
   * created before it; null when the set is empty, a member's weight is out
   * of range, or our id range is full (the caller then writes the route's
   * gateways inline). Objects returned as creations are already recorded;
   * if creating one fails, call `drop` with it.
   */
  plan(family: 4 | 6, set: readonly KernelNexthop[]): Plan | null {
    const cache = this.bySet[family === 6 ? 1 : 0];
    const hit = cache.get(set);
    if (hit?.live) {
      hit.used = this.generation;
      return { object: hit, creates: NONE };
    }
    const creates: PoolObject[] = [];
    let object: PoolObject | null;
    if (set.length === 1) {
      const nh = set[0] as KernelNexthop;
      object = this.single(family, nh.gateway, nh.ifIndex, creates);
    } else {
      object = set.length === 0 ? null : this.group(family, set, creates);
    }
    if (object === null) {
      for (const c of creates) this.drop(c);
      return null;
    }
    object.used = this.generation;
    cache.set(set, object);
    return { object, creates };
  }

  private single(
    family: 4 | 6,
    gateway: string | null,
    ifIndex: number,
    creates: PoolObject[],
  ): PoolObject | null {
    return this.intern(singleKey(family, gateway, ifIndex), creates, () => ({
      single: { family, gateway, ifIndex },
      members: null,
      nexthops: Object.freeze([{ gateway, ifIndex, weight: 1 }]),
    }));
  }

  private group(family: 4 | 6, set: readonly KernelNexthop[], creates: PoolObject[]): PoolObject | null {
    const members: { object: PoolObject; weight: number }[] = [];
    for (const nh of set) {
      if (!Number.isInteger(nh.weight) || nh.weight < 1 || nh.weight > 256) return null;
      const m = this.single(family, nh.gateway, nh.ifIndex, creates);
      if (m === null) return null;
      // The kernel refuses a member twice in one group.
      if (members.some((x) => x.object === m)) return null;
      m.used = this.generation;
      members.push({ object: m, weight: nh.weight });
    }
    return this.intern(groupKey(members), creates, () => ({
      single: null,
      members,
      nexthops: Object.freeze(
        set.map((nh) => ({ gateway: nh.gateway, ifIndex: nh.ifIndex, weight: nh.weight })),
      ),
    }));
  }

  /**
   * The object held under `key`, or a new one (what `content` says, with a
   * free id) recorded and added to `creates`; null when no id is free.
   */
  private intern(
    key: string,
    creates: PoolObject[],
    content: () => Pick<PoolObject, "single" | "members" | "nexthops">,
  ): PoolObject | null {
    const have = this.byKey.get(key);
    if (have !== undefined) return have;
    const id = this.allocate();
    if (id === null) return null;
    const o: PoolObject = { id, key, ...content(), live: true, used: this.generation };
    this.record(o);
    creates.push(o);
    return o;
  }

  private record(o: PoolObject): void {
    this.byId.set(o.id, o);
    if (o.key !== null && !this.byKey.has(o.key)) this.byKey.set(o.key, o);
  }

  /** The next free id of our range, or null when every one is taken. */
  private allocate(): number | null {
    for (let tries = 0; tries < this.span; tries++) {
      const id = this.next;
      this.next = id + 1 >= this.base + this.span ? this.base : id + 1;
      if (!this.byId.has(id) && !this.foreign.has(id)) return id;
    }
    return null;
  }

  /** Forget `o` (its creation failed, or it is being deleted). */
  drop(o: PoolObject): void {
    o.live = false;
    if (this.byId.get(o.id) === o) this.byId.delete(o.id);
    if (o.key !== null && this.byKey.get(o.key) === o) this.byKey.delete(o.key);
  }

  /** An id in our range turned out to be somebody else's (our create met EEXIST). */
  markForeign(id: number): void {
    if (this.inRange(id)) this.foreign.add(id);
  }

  private inRange(id: number): boolean {
    return id >= this.base && id < this.base + this.span;
  }

  /** What a route naming object `id` forwards through, if the object is ours. */
  resolve(id: number): readonly KernelNexthop[] | undefined {
    return this.byId.get(id)?.nexthops;
  }

  /** A dump is starting: writes from now on mark what they name as used in a new generation. Returns the dump's generation. */
  beginDump(): number {
    this.generation += 1;
    return this.generation;
  }

  /**
   * Replace what we know with the kernel's objects (a dump begun in
   * generation `since`): ours are adopted (keyed by content, so writes
   * reuse them; an object we already hold with the same content stays the
   * same object), other ids in our range are avoided. An adopted group
   * whose members are not all ours is kept unkeyed, to be collected. An
   * object of ours missing from the dump is forgotten, unless a write named
   * it after the dump began (it may be newer than the dump).
   */
  load(objects: readonly KernelNexthopObject[], since: number): void {
    const prev = new Map(this.byId);
    this.byId.clear();
    this.byKey.clear();
    this.foreign.clear();
    const seen = new Set<number>();
    for (const k of objects) seen.add(k.id);
    for (const o of prev.values())
      if (seen.has(o.id)) continue;
      else if (o.live && o.used >= since) this.record(o);
      else o.live = false;
    /** The object we hold for `k` if it still says the same, else null (and the old one goes stale). */
    const same = (k: KernelNexthopObject): PoolObject | null => {
      const o = prev.get(k.id);
      if (o === undefined) return null;
      if (o.live && o.key !== null && sameContent(o, k)) return o;
      o.live = false;
      return null;
    };
    const groups: KernelNexthopObject[] = [];
    for (const k of objects) {
      if (!this.inRange(k.id)) continue;
      if (k.protocol !== RTPROT_MAGNETITE) {
        this.foreign.add(k.id);
        continue;
      }
      if (k.group !== null) {
        groups.push(k);
        continue;
      }
      const kept = same(k);
      if (kept !== null) {
        this.record(kept);
        continue;
      }
      const family = k.gateway === null ? (k.family === 2 ? 4 : 6) : k.gateway.includes(":") ? 6 : 4;
      const usable = !k.blackhole;
      this.record({
        id: k.id,
        key: usable ? singleKey(family, k.gateway, k.ifIndex) : null,
        single: { family, gateway: k.gateway, ifIndex: k.ifIndex },
        members: null,
        nexthops: Object.freeze(usable ? [{ gateway: k.gateway, ifIndex: k.ifIndex, weight: 1 }] : []),
        live: true,
        used: 0,
      });
    }
    for (const k of groups) {
      const kept = same(k);
      if (kept !== null && kept.members?.every((m) => this.byId.get(m.object.id) === m.object) === true) {
        this.record(kept);
        continue;
      }
      if (kept !== null) kept.live = false;
      const members: { object: PoolObject; weight: number }[] = [];
      let complete = true;
      for (const m of k.group ?? []) {
        const object = this.byId.get(m.id);
        if (object === undefined || object.single === null) complete = false;
        else members.push({ object, weight: m.weight });
      }
      this.record({
        id: k.id,
        key: complete ? groupKey(members) : null,
        single: null,
        members,
        nexthops: Object.freeze(
          members.map((m) => ({
            gateway: m.object.single?.gateway ?? null,
            ifIndex: m.object.single?.ifIndex ?? 0,
            weight: m.weight,
          })),
        ),
        live: true,
        used: 0,
      });
    }
  }

  /** The kernel deleted object `id` (a notification). Groups holding it were shrunk: they are no longer what their key says. */
  removed(id: number): void {
    this.foreign.delete(id);
    const o = this.byId.get(id);
    if (o === undefined) return;
    this.drop(o);
    for (const g of this.byId.values()) if (g.members?.some((m) => m.object === o) === true) this.unkey(g);
  }

  /**
   * Device `ifIndex` went down, lost its carrier or went away: the kernel
   * removes every nexthop object on it without a notification of its own
   * (and shrinks the groups that held them), so the link's notification
   * retires them here.
   */
  deviceDown(ifIndex: number): void {
    for (const o of [...this.byId.values()])
      if (o.single !== null && o.single.ifIndex === ifIndex) this.removed(o.id);
  }

  /** The kernel reports object `k` (a notification): a creation of ours changes nothing; a change to one of ours unkeys it. */
  changed(k: KernelNexthopObject): void {
    if (!this.inRange(k.id)) return;
    const o = this.byId.get(k.id);
    if (o === undefined) {
      this.foreign.add(k.id); // somebody else's, now or soon in use
      return;
    }
    if (!sameContent(o, k)) this.unkey(o);
  }

  /** Keep `o` (routes may name it) but never hand it out again. */
  private unkey(o: PoolObject): void {
    if (o.key !== null && this.byKey.get(o.key) === o) this.byKey.delete(o.key);
    o.key = null;
    o.live = false; // cached set → object references are stale
  }

  /**
   * Objects of ours that no route names (`referenced`: every RTA_NH_ID in
   * the route dump, any protocol) and no write used since generation
   * `since` began; groups first, then their former members. They are
   * dropped from the pool; the caller deletes them.
   */
  garbage(referenced: ReadonlySet<number>, since: number): PoolObject[] {
    const keep = new Set<PoolObject>();
    for (const o of this.byId.values()) {
      if (!referenced.has(o.id) && o.used < since) continue;
      keep.add(o);
      for (const m of o.members ?? []) keep.add(m.object);
    }
    const out: PoolObject[] = [];
    for (const o of this.byId.values()) if (!keep.has(o) && o.members !== null) out.push(o);
    for (const o of this.byId.values()) if (!keep.has(o) && o.members === null) out.push(o);
    for (const o of out) this.drop(o);
    return out;
  }

  /** Every object of ours (for `release` and tests). */
  all(): PoolObject[] {
    return [...this.byId.values()];
  }
}

const NONE: readonly PoolObject[] = Object.freeze([]);

function sameContent(o: PoolObject, k: KernelNexthopObject): boolean {
  if (k.protocol !== RTPROT_MAGNETITE || k.blackhole) return false;
  if (o.single !== null)
    return k.group === null && k.gateway === o.single.gateway && k.ifIndex === o.single.ifIndex;
  const ms = o.members ?? [];
  const g = k.group;
  if (g === null || g.length !== ms.length) return false;
  return ms.every((m) => g.some((x) => x.id === m.object.id && x.weight === m.weight));
}
