/**
 * A `RouteTable` over a NETLINK_ROUTE socket from the `dgram-extended`
 * addon: RTM_NEWROUTE (CREATE|REPLACE) for a destination's whole ECMP set,
 * RTM_DELROUTE, and an RTM_GETROUTE dump filtered to our protocol (221).
 *
 * Only our routes are ever touched (spec ddm-bfd-maghemite.md §1.8, Part 5
 * item 5):
 * - every route we write carries protocol 221 and our own metric
 *   (`RTA_PRIORITY`). Linux keys an IPv6 route by (table, destination,
 *   metric), so a REPLACE can only hit a route with our metric; a static or
 *   RA route at its default metric (1024) is never replaced;
 * - a delete names protocol 221 and our metric, and the kernel's IPv6 delete
 *   skips routes whose protocol or metric differ (`ip6_route_del`);
 * - the dump keeps only protocol-221 routes.
 *
 * Requests are pipelined: each carries a sequence number and resolves when
 * its ack (or error) comes back, so a caller may keep many in flight. Every
 * request has a deadline. Datagrams that fail to decode are counted and
 * dropped (the kernel is trusted, but input still never throws).
 *
 * Two write paths:
 * - `writeBatch(ops)`, the burst path `RouteSync` uses: the requests go into
 *   datagrams of up to `BATCH_BYTES` with an ack asked only of each
 *   datagram's last request; the kernel reports the others only if they
 *   fail (see `WriteDatagram`). One promise, no timer per route, a few
 *   dozen replies for 30,000 routes.
 * - `replace`/`delete`, one promise per request: requests made in one
 *   synchronous run are still packed back to back into datagrams and sent at
 *   the end of the run (microtask) or when a datagram is full, each acked by
 *   its sequence number; a datagram shares one deadline timer. The kernel
 *   handles every message of a datagram in turn, a failure of one not
 *   stopping the rest (netlink(7), `netlink_rcv_skb`).
 * Routes of the burst path name kernel nexthop objects (`RTA_NH_ID`, Linux
 * ≥ 5.3) instead of carrying their gateways: one object per neighbour and
 * one group per ECMP set, created in the same datagram just before the
 * first route that names them (see `nexthop-pool.ts` for ids, adoption
 * after a restart and garbage collection). The socket joins
 * RTNLGRP_NEXTHOP and RTNLGRP_LINK, so objects the kernel removes (somebody
 * deleted them, their device went down) are never named again. A route write that fails while naming an object is
 * retried once after the objects are re-read; a kernel without nexthop
 * objects, or `nexthopObjects: false`, gets inline gateways as before. The
 * single-request `replace` always writes gateways inline.
 * How many requests are outstanding at once is the caller's window
 * (`RouteSync.maxInFlight`): what the kernel answers must fit in the receive
 * buffer, or it is dropped (ENOBUFS) and the requests are reported failed.
 */
import { createNetlinkSocket, type NetlinkDatagram, type NetlinkSocket } from "dgram-extended";
import { assertNever } from "../../protocols/common/assert-never.js";
import { err, ok, type Result } from "../../protocols/common/result.js";
import {
  IFF_LOWER_UP,
  IFF_RUNNING,
  IFF_UP,
  NLM_F_ACK,
  RTM_DELROUTE,
  RTM_NEWROUTE,
  RTNLGRP_LINK,
  RTNLGRP_NEXTHOP,
  RTPROT_MAGNETITE,
} from "./constants.js";
import { concat, HOST_LE, hostView } from "./netlink.js";
import {
  DELETE_NEXTHOP_LEN,
  encodeDumpNexthops,
  gatewayBytes,
  type KernelNexthopObject,
  type NexthopObjectSpec,
  writeDeleteNexthopAt,
  writeNexthopAt,
} from "./nexthop-codec.js";
import { NexthopPool, type PoolObject } from "./nexthop-pool.js";
import type { RouteBatchResult, RouteKey, RouteOp, RouteTable, RouteTableError } from "./routes.js";
import {
  DELETE_FLAGS,
  decodeReplies,
  encodeDeleteRoute,
  encodeDumpRoutes,
  encodeReplaceRoute,
  type KernelRoute,
  NO_ROOM,
  REPLACE_FLAGS,
  type RouteSpec,
  writeRouteAt,
  writeRouteError,
} from "./rtnetlink.js";

/**
 * The metric our routes carry unless a spec names one. Between the kernel's
 * connected-prefix routes (256), which must keep winning for local prefixes,
 * and the default of static and RA routes (1024), with which we must not
 * share a key (see above) [I: policy choice, configurable].
 */
export const DEFAULT_ROUTE_METRIC = 512;

/** ESRCH and ENOENT: the route to delete is not there. */
const ESRCH = 3;
const ENOENT = 2;
/** EEXIST: a nexthop object id already taken (by somebody else). */
const EEXIST = 17;
/** EINVAL, EOPNOTSUPP: what a kernel without nexthop objects answers their dump with. */
const EINVAL = 22;
const EOPNOTSUPP = 95;

/** Options of `openNetlinkRouteTable`. */
export interface NetlinkRouteTableOptions {
  /** Open the socket in this network namespace (a `/run/netns` name or path). */
  readonly netns?: string;
  /** Metric for routes whose spec names none (default `DEFAULT_ROUTE_METRIC`). */
  readonly metric?: number;
  /** Deadline of one request or dump (default 5000 ms). */
  readonly timeoutMs?: number;
  /** Route through kernel nexthop objects where the kernel has them (default true). */
  readonly nexthopObjects?: boolean;
  /** First id of our nexthop object range (default `NEXTHOP_ID_BASE`; tests use their own). */
  readonly nexthopIdBase?: number;
}

/** Largest datagram we pack requests into (well under the default socket send buffer). */
export const BATCH_BYTES = 64 * 1024;

/** Requests sent in one datagram, with their shared deadline. */
interface Batch {
  readonly seqs: number[];
  open: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * One datagram of a `writeBatch`: requests `first..last` (consecutive
 * sequence numbers) of which only the last asks for an ack. The kernel
 * handles a datagram's messages in order inside our `send` and answers a
 * message without NLM_F_ACK only when it fails, so every error of the
 * datagram is queued on our socket before the final ack: that ack (or the
 * last message's own error) completes the datagram.
 */
interface WriteDatagram {
  readonly first: number;
  readonly last: number;
  /** Index in the caller's op list of request `first + k`. */
  readonly index: readonly number[];
  /** Which of them are deletes (ESRCH/ENOENT then means "already gone"). */
  readonly deletes: readonly boolean[];
  /** The nexthop object request `first + k` creates (its `index` is then -1), or null. */
  readonly objects: readonly (PoolObject | null)[];
  /** Creations that failed, with why. */
  readonly objectFailures: Map<PoolObject, RouteTableError>;
  readonly done: (failures: ReadonlyMap<number, RouteTableError>) => void;
  readonly failures: Map<number, RouteTableError>;
  timer: NodeJS.Timeout | undefined;
}

type Pending =
  | {
      readonly kind: "ack";
      readonly resolve: (r: Result<void, RouteTableError>) => void;
      readonly batch: Batch;
    }
  | {
      readonly kind: "dump";
      readonly routes: KernelRoute[];
      readonly resolve: (r: Result<KernelRoute[], RouteTableError>) => void;
      readonly timer: NodeJS.Timeout;
    }
  | {
      readonly kind: "nhdump";
      readonly objects: KernelNexthopObject[];
      readonly resolve: (r: Result<KernelNexthopObject[], RouteTableError>) => void;
      readonly timer: NodeJS.Timeout;
    };

/** Counters for logs and metrics. */
export interface NetlinkTableStats {
  requests: number;
  /** Datagrams sent (a batch of requests, or a dump). */
  datagrams: number;
  errors: number;
  timeouts: number;
  undecodable: number;
  /** Times the kernel dropped replies for us (ENOBUFS). */
  overruns: number;
  /** Nexthop objects created, and deleted as garbage. */
  nexthopsCreated: number;
  nexthopsCollected: number;
  /** Route writes retried after re-reading the nexthop objects. */
  retried: number;
  /** Nexthop object notifications received (RTNLGRP_NEXTHOP). */
  notifications: number;
}

/** The netlink-backed route table. Create with `openNetlinkRouteTable`. */
export class NetlinkRouteTable implements RouteTable {
  readonly stats: NetlinkTableStats = {
    requests: 0,
    datagrams: 0,
    errors: 0,
    timeouts: 0,
    undecodable: 0,
    overruns: 0,
    nexthopsCreated: 0,
    nexthopsCollected: 0,
    retried: 0,
    notifications: 0,
  };
  /**
   * Our nexthop objects; null when routes carry their gateways (disabled,
   * or the kernel has no nexthop objects).
   */
  private pool: NexthopPool | null;
  /** The pool matches the kernel as of a dump (or a write is re-reading it). */
  private poolLoad: Promise<void> | null = null;
  private readonly pending = new Map<number, Pending>();
  /** Requests waiting for the end of the current run, and their encoded bytes. */
  private outbox: Uint8Array[] = [];
  private outboxBatch: Batch | undefined;
  private outboxBytes = 0;
  private seq = 1;
  private closed = false;
  /** `writeBatch` datagrams waiting for their final reply, oldest first. */
  private writes: WriteDatagram[] = [];
  /** The batch datagram buffer, reused: a datagram is copied by the kernel in `send`. */
  private readonly batchBuf = new Uint8Array(BATCH_BYTES);
  private readonly batchView = hostView(this.batchBuf);

  /** @internal use `openNetlinkRouteTable`. */
  constructor(
    private readonly sock: NetlinkSocket,
    readonly metric: number,
    private readonly timeoutMs: number,
    pool: NexthopPool | null = null,
  ) {
    this.pool = pool;
    sock.on("message", (d) => this.onDatagram(d));
    // ENOBUFS: the kernel dropped replies meant for us. Pending single requests
    // time out; a batch datagram still open may have lost an error report, so
    // its requests are reported failed (the caller's drift check repairs them)
    // rather than trusted on the strength of a final ack.
    sock.on("error", () => {
      this.stats.errors += 1;
      this.stats.overruns += 1;
      this.failWrites({ code: "KERNEL_E_TIMEOUT" });
    });
  }

  /**
   * Many writes at once (the DDM router's burst path): requests are packed
   * into datagrams of up to `BATCH_BYTES` with no per-request ack (see
   * `WriteDatagram`), so 30,000 routes cost a few dozen `send`s, a few
   * dozen replies to decode and no promise or timer per route. Resolves
   * once every datagram is answered, with the failures by index into `ops`
   * (a delete of an absent route is `KERNEL_E_NOT_FOUND`).
   */
  async writeBatch(ops: readonly RouteOp[]): Promise<RouteBatchResult> {
    if (this.pool !== null && this.poolLoad === null) await this.loadPool();
    const failures = await this.writeOnce(ops);
    if (this.pool === null || failures.size === 0 || this.closed) return failures;
    // A route that named an object and was refused: the objects may have
    // changed under us (a device went down and took them, an id we thought
    // free was taken). Re-read them and try those routes once more.
    const again: number[] = [];
    for (const [i, e] of failures) {
      const op = ops[i];
      if (e.code === "KERNEL_E_REJECTED" && op?.op === "replace" && op.route.nexthops.length > 0)
        again.push(i);
    }
    if (again.length === 0) return failures;
    this.poolLoad = null;
    await this.loadPool();
    this.stats.retried += again.length;
    const retry = await this.writeOnce(again.map((i) => ops[i] as RouteOp));
    for (let k = 0; k < again.length; k++) {
      const i = again[k] as number;
      const e = retry.get(k);
      if (e === undefined) failures.delete(i);
      else failures.set(i, e);
    }
    return failures;
  }

  /** One pass of `writeBatch`: every op written once, objects created as needed. */
  private writeOnce(ops: readonly RouteOp[]): Promise<Map<number, RouteTableError>> {
    const failures = new Map<number, RouteTableError>();
    if (this.closed) {
      for (let i = 0; i < ops.length; i++) failures.set(i, { code: "KERNEL_E_CLOSED" });
      return Promise.resolve(failures);
    }
    this.flush(); // single requests queued earlier go first
    const pool = this.pool;
    const objectFailures = new Map<PoolObject, RouteTableError>();
    /** The object each op's route names (by index), for failures of its creation. */
    const named: (PoolObject | undefined)[] = [];
    return new Promise((resolve) => {
      let open = 0;
      let sealed = false;
      const settle = (): void => {
        if (objectFailures.size > 0)
          for (let i = 0; i < named.length; i++) {
            const o = named[i];
            if (o === undefined || failures.has(i)) continue;
            const why = objectFailures.get(o) ?? firstMemberFailure(o, objectFailures);
            if (why !== undefined) failures.set(i, why);
          }
        resolve(failures);
      };
      const finished = (): void => {
        open -= 1;
        if (open === 0 && sealed) settle();
      };
      const buf = this.batchBuf;
      const dv = this.batchView;
      let at = 0;
      let lastAt = -1;
      let first = 0;
      let index: number[] = [];
      let deletes: boolean[] = [];
      let objects: (PoolObject | null)[] = [];
      const emit = (): void => {
        if (index.length === 0) return;
        // Only the datagram's last request asks for an ack.
        dv.setUint16(lastAt + 6, dv.getUint16(lastAt + 6, HOST_LE) | NLM_F_ACK, HOST_LE);
        const d: WriteDatagram = {
          first,
          last: first + index.length - 1,
          index,
          deletes,
          objects,
          objectFailures,
          failures,
          done: finished,
          timer: undefined,
        };
        open += 1;
        this.stats.requests += index.length;
        const failed = this.send(buf.subarray(0, at));
        if (failed !== null) {
          for (const i of index) if (i >= 0) failures.set(i, failed);
          for (const o of objects) if (o !== null) this.objectFailed(o, failed, objectFailures);
          finished();
        } else {
          this.writes.push(d);
          d.timer = setTimeout(() => this.completeWrite(d, { code: "KERNEL_E_TIMEOUT" }), this.timeoutMs);
        }
        at = 0;
        lastAt = -1;
        index = [];
        deletes = [];
        objects = [];
      };
      /** Append one request written by `write(seq)` (which returns its end, or NO_ROOM); false for a bad request. */
      const append = (
        i: number,
        del: boolean,
        object: PoolObject | null,
        write: (seq: number) => number,
      ): number => {
        const seq = this.nextSeq();
        if (index.length > 0 && seq !== first + index.length) emit(); // the sequence number wrapped
        let end = -1;
        for (;;) {
          end = write(seq);
          if (end !== NO_ROOM || at === 0) break;
          // The datagram is full: send it and start the next with this request.
          emit();
        }
        if (end < 0) return end;
        if (index.length === 0) first = seq;
        lastAt = at;
        at = end;
        index.push(i);
        deletes.push(del);
        objects.push(object);
        return end;
      };
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i];
        if (op === undefined) continue;
        const del = op.op === "delete";
        if (!del && op.route.nexthops.length === 0) {
          failures.set(i, { code: "KERNEL_E_BAD_ROUTE", detail: "no nexthops" });
          continue;
        }
        let nhId = 0;
        if (!del && pool !== null) {
          const plan = pool.plan(op.route.family, op.route.nexthops);
          if (plan !== null) {
            for (const o of plan.creates) {
              const spec = objectSpec(o);
              const end =
                spec === null
                  ? -1
                  : append(-1, false, o, (seq) => writeNexthopAt(buf, dv, at, BATCH_BYTES, spec, seq));
              if (end < 0)
                this.objectFailed(
                  o,
                  {
                    code: "KERNEL_E_BAD_ROUTE",
                    detail: end === NO_ROOM ? "NL_E_TOO_LARGE" : "NL_E_BAD_ADDRESS",
                  },
                  objectFailures,
                );
              else this.stats.nexthopsCreated += 1;
            }
            nhId = plan.object.id;
            named[i] = plan.object;
          }
        }
        const end = del
          ? append(i, true, null, (seq) =>
              writeRouteAt(
                buf,
                dv,
                at,
                BATCH_BYTES,
                RTM_DELROUTE,
                DELETE_FLAGS,
                op.key,
                this.metric,
                false,
                seq,
              ),
            )
          : append(i, false, null, (seq) =>
              writeRouteAt(
                buf,
                dv,
                at,
                BATCH_BYTES,
                RTM_NEWROUTE,
                REPLACE_FLAGS,
                op.route,
                op.route.priority ?? this.metric,
                true,
                seq,
                nhId,
              ),
            );
        if (end < 0)
          failures.set(i, {
            code: "KERNEL_E_BAD_ROUTE",
            detail: end === NO_ROOM ? "NL_E_TOO_LARGE" : writeRouteError(end),
          });
      }
      emit();
      sealed = true;
      if (open === 0) settle();
    });
  }

  /** A creation of ours failed: forget the object (and an id somebody else holds). */
  private objectFailed(o: PoolObject, why: RouteTableError, into: Map<PoolObject, RouteTableError>): void {
    into.set(o, why);
    this.pool?.drop(o);
    if (why.code === "KERNEL_E_REJECTED" && why.errno === EEXIST) this.pool?.markForeign(o.id);
  }

  /** True while routes are written through nexthop objects. */
  get usesNexthopObjects(): boolean {
    return this.pool !== null;
  }

  /** Nexthop objects of ours held now (0 without objects). */
  get nexthopObjects(): number {
    return this.pool?.size ?? 0;
  }

  /** Read the kernel's nexthop objects into the pool (once; again after `poolLoad` is cleared). */
  private loadPool(): Promise<void> {
    this.poolLoad ??= (async () => {
      const pool = this.pool;
      if (pool === null) return;
      const since = pool.beginDump();
      const objs = await this.dumpNexthops();
      if (objs.ok) pool.load(objs.value, since);
      else if (
        objs.error.code === "KERNEL_E_REJECTED" &&
        (objs.error.errno === EOPNOTSUPP || objs.error.errno === EINVAL)
      )
        this.pool = null; // no nexthop objects in this kernel: gateways inline
      else this.poolLoad = null; // try again at the next write
    })();
    return this.poolLoad;
  }

  /** Settle a batch datagram: `why` for every request without a reported failure (a timeout, a close), or none. */
  private completeWrite(d: WriteDatagram, why: RouteTableError | null): void {
    const at = this.writes.indexOf(d);
    if (at < 0) return;
    this.writes.splice(at, 1);
    if (d.timer !== undefined) clearTimeout(d.timer);
    if (why !== null) {
      if (why.code === "KERNEL_E_TIMEOUT") this.stats.timeouts += 1;
      for (const i of d.index) if (i >= 0 && !d.failures.has(i)) d.failures.set(i, why);
    }
    d.done(d.failures);
  }

  private failWrites(why: RouteTableError): void {
    for (const d of [...this.writes]) this.completeWrite(d, why);
  }

  /** An ack or error for `seq` if it belongs to a batch datagram; false when it does not. */
  private writeReply(seq: number, errno: number, message: string | null): boolean {
    for (const d of this.writes) {
      if (seq < d.first || seq > d.last) continue;
      const k = seq - d.first;
      if (errno !== 0) {
        this.stats.errors += 1;
        const i = d.index[k] ?? -1;
        const o = d.objects[k] ?? null;
        if (o !== null) this.objectFailed(o, { code: "KERNEL_E_REJECTED", errno, message }, d.objectFailures);
        else
          d.failures.set(
            i,
            d.deletes[k] === true && (errno === ESRCH || errno === ENOENT)
              ? { code: "KERNEL_E_NOT_FOUND" }
              : { code: "KERNEL_E_REJECTED", errno, message },
          );
      }
      if (seq === d.last) this.completeWrite(d, null);
      return true;
    }
    return false;
  }

  replace(route: RouteSpec): Promise<Result<void, RouteTableError>> {
    if (route.nexthops.length === 0)
      return Promise.resolve(err({ code: "KERNEL_E_BAD_ROUTE", detail: "no nexthops" }));
    const seq = this.nextSeq();
    const bytes = encodeReplaceRoute({ ...route, priority: route.priority ?? this.metric }, seq);
    if (!bytes.ok) return Promise.resolve(err({ code: "KERNEL_E_BAD_ROUTE", detail: bytes.error }));
    return this.request(seq, bytes.value);
  }

  async delete(key: RouteKey): Promise<Result<void, RouteTableError>> {
    const seq = this.nextSeq();
    const bytes = encodeDeleteRoute({ ...key, priority: this.metric }, seq);
    if (!bytes.ok) return err({ code: "KERNEL_E_BAD_ROUTE", detail: bytes.error });
    const r = await this.request(seq, bytes.value);
    if (
      !r.ok &&
      r.error.code === "KERNEL_E_REJECTED" &&
      (r.error.errno === ESRCH || r.error.errno === ENOENT)
    )
      return err({ code: "KERNEL_E_NOT_FOUND" });
    return r;
  }

  /**
   * Our routes, each with what it forwards through: a route naming one of
   * our nexthop objects gets the object's nexthops (whether or not the
   * kernel also expands them, `net.ipv4.nexthop_compat_mode`). The objects
   * are re-read first, and afterwards those of ours that no route names
   * and no write used meanwhile are deleted.
   */
  async dumpOurs(): Promise<Result<KernelRoute[], RouteTableError>> {
    let since = 0;
    if (this.pool !== null) {
      since = this.pool.beginDump();
      this.poolLoad = null;
      await this.loadPool();
    }
    const out: KernelRoute[] = [];
    const referenced = new Set<number>();
    for (const family of [6, 4] as const) {
      const r = await this.dump(family);
      if (!r.ok) return r;
      for (const route of r.value) {
        if (route.nhId !== null) referenced.add(route.nhId);
        if (route.protocol !== RTPROT_MAGNETITE) continue;
        const via = route.nhId === null ? undefined : this.pool?.resolve(route.nhId);
        out.push(via === undefined ? route : { ...route, nexthops: via });
      }
    }
    const pool = this.pool;
    if (pool !== null) {
      const garbage = pool.garbage(referenced, since);
      if (garbage.length > 0) await this.deleteObjects(garbage);
    }
    return ok(out);
  }

  /**
   * Delete every nexthop object of ours that no route names (after a
   * `cleanupOnStop` has deleted our routes).
   */
  async release(): Promise<void> {
    if (this.pool !== null) await this.dumpOurs();
  }

  /** Delete objects (groups before their members), one datagram, acked per object. */
  private async deleteObjects(objects: readonly PoolObject[]): Promise<void> {
    const waits: Promise<Result<void, RouteTableError>>[] = [];
    const bytes = new Uint8Array(DELETE_NEXTHOP_LEN);
    const dv = hostView(bytes);
    for (const o of objects) {
      const seq = this.nextSeq();
      writeDeleteNexthopAt(bytes, dv, 0, bytes.length, o.id, NLM_F_ACK, seq);
      waits.push(this.request(seq, bytes.slice()));
    }
    for (const r of await Promise.all(waits))
      if (
        r.ok ||
        (r.error.code === "KERNEL_E_REJECTED" && (r.error.errno === ENOENT || r.error.errno === ESRCH))
      )
        this.stats.nexthopsCollected += 1;
  }

  /** Every nexthop object in the namespace (ours and others'). */
  private dumpNexthops(): Promise<Result<KernelNexthopObject[], RouteTableError>> {
    const seq = this.nextSeq();
    return new Promise((resolve) =>
      this.startDump(
        seq,
        encodeDumpNexthops(seq),
        (timer) => ({ kind: "nhdump", objects: [], resolve, timer }),
        (e) => resolve(err(e)),
      ),
    );
  }

  /** Close the socket; requests still in flight resolve with `KERNEL_E_CLOSED`. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.outbox = [];
    this.outboxBytes = 0;
    this.outboxBatch = undefined;
    this.sock.close();
    for (const [seq, p] of this.pending) this.settle(seq, p, err({ code: "KERNEL_E_CLOSED" }));
    this.failWrites({ code: "KERNEL_E_CLOSED" });
  }

  private nextSeq(): number {
    this.seq = this.seq >= 0x7fff_ffff ? 1 : this.seq + 1;
    return this.seq;
  }

  /** Finish pending request `seq`: its answer (a dump's collected entries) on success, else the error. */
  private settle(seq: number, p: Pending, r: Result<unknown, RouteTableError>): void {
    if (!this.pending.delete(seq)) return;
    switch (p.kind) {
      case "ack":
        p.batch.open -= 1;
        if (p.batch.open === 0 && p.batch.timer !== undefined) clearTimeout(p.batch.timer);
        p.resolve(r.ok ? ok(undefined) : r);
        return;
      case "dump":
        clearTimeout(p.timer);
        p.resolve(r.ok ? ok(p.routes) : r);
        return;
      case "nhdump":
        clearTimeout(p.timer);
        p.resolve(r.ok ? ok(p.objects) : r);
        return;
      default:
        assertNever(p, "pending request");
    }
  }

  /** Send one datagram; the error to report for every request in it, or null. */
  private send(bytes: Uint8Array): RouteTableError | null {
    if (this.closed) return { code: "KERNEL_E_CLOSED" };
    this.stats.datagrams += 1;
    try {
      this.sock.send(bytes);
      return null;
    } catch (e: unknown) {
      const errno = typeof e === "object" && e !== null && "errno" in e ? Number(e.errno) : 0;
      return {
        code: "KERNEL_E_REJECTED",
        errno: Math.abs(errno),
        message: e instanceof Error ? e.message : null,
      };
    }
  }

  private request(seq: number, bytes: Uint8Array): Promise<Result<void, RouteTableError>> {
    if (this.closed) return Promise.resolve(err({ code: "KERNEL_E_CLOSED" }));
    return new Promise((resolve) => {
      if (this.outboxBytes + bytes.length > BATCH_BYTES) this.flush();
      let batch = this.outboxBatch;
      if (batch === undefined) {
        batch = { seqs: [], open: 0, timer: undefined };
        this.outboxBatch = batch;
        queueMicrotask(() => this.flush());
      }
      batch.seqs.push(seq);
      batch.open += 1;
      this.pending.set(seq, { kind: "ack", resolve, batch });
      this.outbox.push(bytes);
      this.outboxBytes += bytes.length;
      this.stats.requests += 1;
    });
  }

  /** Send what the outbox holds as one datagram and start its deadline. */
  private flush(): void {
    const batch = this.outboxBatch;
    if (batch === undefined) return;
    const bytes = this.outbox.length === 1 ? (this.outbox[0] ?? new Uint8Array(0)) : concat(this.outbox);
    this.outbox = [];
    this.outboxBytes = 0;
    this.outboxBatch = undefined;
    const failed = this.send(bytes);
    if (failed !== null) {
      for (const seq of batch.seqs) {
        const p = this.pending.get(seq);
        if (p !== undefined) this.settle(seq, p, err(failed));
      }
      return;
    }
    batch.timer = setTimeout(() => {
      for (const seq of batch.seqs) {
        const p = this.pending.get(seq);
        if (p === undefined) continue;
        this.stats.timeouts += 1;
        this.settle(seq, p, err({ code: "KERNEL_E_TIMEOUT" }));
      }
    }, this.timeoutMs);
  }

  private dump(family: 4 | 6): Promise<Result<KernelRoute[], RouteTableError>> {
    const seq = this.nextSeq();
    return new Promise((resolve) =>
      this.startDump(
        seq,
        encodeDumpRoutes(family, seq),
        (timer) => ({ kind: "dump", routes: [], resolve, timer }),
        (e) => resolve(err(e)),
      ),
    );
  }

  /**
   * Send dump request `bytes` (sequence `seq`) under a deadline; `entry`
   * makes its pending record (which collects the answers) around the timer,
   * `fail` reports a send that failed.
   */
  private startDump(
    seq: number,
    bytes: Uint8Array,
    entry: (timer: NodeJS.Timeout) => Pending,
    fail: (e: RouteTableError) => void,
  ): void {
    const timer = setTimeout(() => {
      const p = this.pending.get(seq);
      if (p === undefined) return;
      this.stats.timeouts += 1;
      this.settle(seq, p, err({ code: "KERNEL_E_TIMEOUT" }));
    }, this.timeoutMs);
    this.pending.set(seq, entry(timer));
    this.flush(); // writes queued before the dump go first
    this.stats.requests += 1;
    const failed = this.send(bytes);
    if (failed !== null) {
      clearTimeout(timer);
      this.pending.delete(seq);
      fail(failed);
    }
  }

  private onDatagram(d: NetlinkDatagram): void {
    if (d.portId !== 0) return; // only the kernel answers us
    const replies = decodeReplies(d.data);
    if (!replies.ok) {
      this.stats.undecodable += 1;
      return;
    }
    if (d.groups !== 0) {
      // Notifications: objects changed or deleted by anyone (RTNLGRP_NEXTHOP), and
      // links (RTNLGRP_LINK), whose loss makes the kernel drop their objects unannounced
      // (admin down, unregistered, or neither running nor lower-up: as `nh_netdev_event`).
      for (const r of replies.value) {
        if (r.kind === "nexthop") {
          this.stats.notifications += 1;
          if (r.op === "del") this.pool?.removed(r.object.id);
          else this.pool?.changed(r.object);
        } else if (r.kind === "link") {
          this.stats.notifications += 1;
          const down =
            r.op === "del" || (r.flags & IFF_UP) === 0 || (r.flags & (IFF_RUNNING | IFF_LOWER_UP)) === 0;
          if (down) this.pool?.deviceDown(r.ifIndex);
        }
      }
      return;
    }
    for (const r of replies.value) {
      if (this.writes.length > 0) {
        if (r.kind === "ack" && this.writeReply(r.seq, 0, null)) continue;
        if (r.kind === "error" && this.writeReply(r.seq, r.errno, r.message)) continue;
      }
      const p = this.pending.get(r.seq);
      if (p === undefined) continue; // late answer to a request that timed out
      switch (r.kind) {
        case "route":
          if (p.kind === "dump" && r.op === "new") p.routes.push(r.route);
          break;
        case "nexthop":
          if (p.kind === "nhdump" && r.op === "new") p.objects.push(r.object);
          break;
        case "done":
        case "ack":
          this.settle(r.seq, p, ok(undefined));
          break;
        case "error":
          this.stats.errors += 1;
          this.settle(r.seq, p, err({ code: "KERNEL_E_REJECTED", errno: r.errno, message: r.message }));
          break;
        case "link": // only as a notification (above)
        case "other":
          break;
        default:
          assertNever(r, "route reply");
      }
    }
  }
}

/** The creation request of a pool object; null when its gateway is not an address of its family. */
function objectSpec(o: PoolObject): NexthopObjectSpec | null {
  if (o.members !== null)
    return {
      kind: "group",
      id: o.id,
      members: o.members.map((m) => ({ id: m.object.id, weight: m.weight })),
    };
  const s = o.single;
  if (s === null) return null;
  const gateway = s.gateway === null ? null : gatewayBytes(s.family, s.gateway);
  if (s.gateway !== null && gateway === null) return null;
  return { kind: "single", id: o.id, family: s.family, gateway, ifIndex: s.ifIndex };
}

/** Why a group's member failed to be created, if one did. */
function firstMemberFailure(
  o: PoolObject,
  failed: ReadonlyMap<PoolObject, RouteTableError>,
): RouteTableError | undefined {
  for (const m of o.members ?? []) {
    const why = failed.get(m.object);
    if (why !== undefined) return why;
  }
  return undefined;
}

/**
 * Open the table. Socket creation needs CAP_NET_ADMIN only for writes, but
 * may fail (no such namespace, EPERM): returned as `KERNEL_E_REJECTED`.
 */
export function openNetlinkRouteTable(
  options: NetlinkRouteTableOptions = {},
): Result<NetlinkRouteTable, RouteTableError> {
  let sock: NetlinkSocket;
  try {
    sock = createNetlinkSocket({
      ...(options.netns === undefined ? {} : { netns: options.netns }),
      // A 10,000-prefix burst pipelines thousands of acks; keep room for them.
      receiveBufferSize: 4 * 1024 * 1024,
    });
  } catch (e: unknown) {
    const errno = typeof e === "object" && e !== null && "errno" in e ? Number(e.errno) : 0;
    return err({
      code: "KERNEL_E_REJECTED",
      errno: Math.abs(errno),
      message: e instanceof Error ? e.message : String(e),
    });
  }
  sock.unref();
  let pool: NexthopPool | null = null;
  if (options.nexthopObjects ?? true) {
    try {
      // A kernel without nexthop objects has no such group either: then gateways inline.
      sock.addMembership(RTNLGRP_NEXTHOP);
      sock.addMembership(RTNLGRP_LINK);
      pool = new NexthopPool(options.nexthopIdBase);
    } catch {
      pool = null;
    }
  }
  return ok(
    new NetlinkRouteTable(sock, options.metric ?? DEFAULT_ROUTE_METRIC, options.timeoutMs ?? 5000, pool),
  );
}
