import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diffRoutes, RouteSync, routeKeyString, sameNexthops } from "../../../dataplane/kernel/route-sync.js";
import {
  MemoryRouteTable,
  type RouteBatchResult,
  type RouteKey,
  type RouteOp,
} from "../../../dataplane/kernel/routes.js";
import type { KernelRoute, RouteSpec } from "../../../dataplane/kernel/rtnetlink.js";

const spec = (dst: string, gws: string[]): RouteSpec => ({
  family: 6,
  dst,
  dstLen: 64,
  nexthops: gws.map((gateway, i) => ({ gateway, ifIndex: i + 2, weight: 1 })),
});
/**
 * What a batch op says, copied when the table is handed it (the sync hands
 * its own entries as specs, and an entry holds later values afterwards).
 */
const shown = (o: RouteOp): RouteOp =>
  o.op === "replace"
    ? {
        op: "replace",
        route: {
          family: o.route.family,
          dst: o.route.dst,
          dstLen: o.route.dstLen,
          table: o.route.table ?? 254,
          nexthops: [...o.route.nexthops],
        },
      }
    : o;
const kernel = (s: RouteSpec): KernelRoute => ({
  ...s,
  table: 254,
  protocol: 221,
  priority: 512,
  scope: 0,
  type: 1,
  nexthops: [...s.nexthops].reverse(),
  nhId: null,
});

describe("route sync diff", () => {
  it("compares nexthop sets in any order, by gateway, interface and weight", () => {
    const x = { gateway: "fe80::1", ifIndex: 2, weight: 1 };
    const y = { gateway: "fe80::2", ifIndex: 3, weight: 1 };
    assert.ok(sameNexthops([x, y], [y, x]));
    assert.ok(!sameNexthops([x, x], [x, y]), "a repeated member is not another member");
    assert.ok(!sameNexthops([x, y], [y, x, x]));
    assert.ok(!sameNexthops([x], [{ ...x, weight: 2 }]));
    assert.ok(!sameNexthops([x], [{ ...x, ifIndex: 9 }]));
    assert.ok(sameNexthops([], []));
  });

  it("keys destinations canonically", () => {
    assert.equal(
      routeKeyString({ family: 6, dst: "fd00:1:0::", dstLen: 64 }),
      routeKeyString({ family: 6, dst: "fd00:1::", dstLen: 64, table: 254 }),
    );
  });

  it("replaces missing and different routes, removes extras unless kept, skips in-flight keys", () => {
    const a = spec("fd00:1::", ["fe80::1", "fe80::2"]);
    const b = spec("fd00:2::", ["fe80::1"]);
    const c = spec("fd00:3::", ["fe80::1"]);
    const desired = new Map([a, b, c].map((s) => [routeKeyString(s), s]));
    const current = [kernel(a), kernel(spec("fd00:2::", ["fe80::9"])), kernel(spec("fd00:4::", ["fe80::1"]))];
    const d = diffRoutes(
      desired,
      current,
      () => false,
      () => false,
    );
    assert.deepEqual(
      d.replace.map((s) => s.dst),
      ["fd00:2::", "fd00:3::"],
    );
    assert.deepEqual(
      d.remove.map((k) => k.dst),
      ["fd00:4::"],
    );
    const kept = diffRoutes(
      desired,
      current,
      (k) => k === routeKeyString(c),
      () => true,
    );
    assert.deepEqual(
      kept.replace.map((s) => s.dst),
      ["fd00:2::"],
    );
    assert.deepEqual(kept.remove, []);
  });

  it("a failed write is counted and repaired by the next drift check", async () => {
    const table = new MemoryRouteTable();
    const sync = new RouteSync({ table, adoptMs: 0, driftCheckMs: 0, cleanupOnStop: false, now: () => 0 });
    await sync.start();
    table.failNext({ code: "KERNEL_E_REJECTED", errno: 105, message: null });
    const a = spec("fd00:1::", ["fe80::1"]);
    sync.set(a, a);
    await sync.idle();
    assert.equal(sync.failures, 1);
    assert.deepEqual((await table.dumpOurs()).ok && (await table.dumpOurs()), { ok: true, value: [] });
    const d = await sync.checkDrift();
    assert.equal(d?.replace.length, 1);
    const r = await table.dumpOurs();
    assert.ok(r.ok);
    assert.equal(r.value.length, 1);
    await sync.stop();
    assert.equal((await table.dumpOurs()).ok && (await table.dumpOurs()).ok, true);
  });

  it("cleanup on stop deletes every route of ours; without it routes stay", async () => {
    for (const cleanupOnStop of [true, false]) {
      const table = new MemoryRouteTable();
      const sync = new RouteSync({ table, adoptMs: 0, driftCheckMs: 0, cleanupOnStop, now: () => 0 });
      await sync.start();
      const a = spec("fd00:1::", ["fe80::1"]);
      sync.set(a, a);
      await sync.stop();
      const r = await table.dumpOurs();
      assert.ok(r.ok);
      assert.equal(r.value.length, cleanupOnStop ? 0 : 1);
    }
  });

  it("writes at most the window per batch, one batch at a time, latest value winning", async () => {
    const inner = new MemoryRouteTable();
    let open = 0;
    let overlap = 0;
    const batches: number[] = [];
    // A table whose batches land one macrotask later, like a netlink datagram's final ack.
    const table = {
      replace: (r: RouteSpec) => inner.replace(r),
      delete: (k: RouteKey) => inner.delete(k),
      dumpOurs: () => inner.dumpOurs(),
      writeBatch: (ops: readonly RouteOp[]) => {
        open += 1;
        overlap = Math.max(overlap, open);
        batches.push(ops.length);
        return new Promise<RouteBatchResult>((resolve) =>
          setImmediate(() => {
            open -= 1;
            resolve(inner.writeBatch(ops));
          }),
        );
      },
    };
    const sync = new RouteSync({
      table,
      adoptMs: 0,
      driftCheckMs: 0,
      cleanupOnStop: false,
      maxInFlight: 64,
      now: () => 0,
    });
    await sync.start();
    for (let i = 0; i < 1000; i++) {
      const a = spec(`fd00:${i.toString(16)}::`, ["fe80::1"]);
      sync.set(a, a);
    }
    // A second value for the first 10 destinations before any write landed: only it is kept.
    for (let i = 0; i < 10; i++) {
      const b = spec(`fd00:${i.toString(16)}::`, ["fe80::1", "fe80::2"]);
      sync.set(b, b);
    }
    await sync.idle();
    assert.equal(overlap, 1);
    assert.equal(Math.max(...batches), 64);
    assert.equal(batches.length, Math.ceil(1000 / 64));
    assert.equal(sync.writes, 1000);
    const r = await inner.dumpOurs();
    assert.ok(r.ok);
    assert.equal(r.value.length, 1000);
    for (const route of r.value) {
      // Canonical text: fd00:0:: is written fd00::.
      const i = Number.parseInt(route.dst.split(":")[1] || "0", 16);
      assert.equal(route.nexthops.length, i < 10 ? 2 : 1, route.dst);
    }
    await sync.stop();
  });

  it("a value set while a write is in flight does not change that write, even for a table that reads it late", async () => {
    const inner = new MemoryRouteTable();
    const seen: RouteOp[] = [];
    // Reads the ops one macrotask after it was handed them.
    const table = {
      replace: (r: RouteSpec) => inner.replace(r),
      delete: (k: RouteKey) => inner.delete(k),
      dumpOurs: () => inner.dumpOurs(),
      writeBatch: (ops: readonly RouteOp[]) =>
        new Promise<RouteBatchResult>((resolve) =>
          setImmediate(() => {
            seen.push(...ops.map(shown));
            resolve(inner.writeBatch(ops));
          }),
        ),
    };
    const sync = new RouteSync({ table, adoptMs: 0, driftCheckMs: 0, cleanupOnStop: false, now: () => 0 });
    await sync.start();
    const one = spec("fd00:1::", ["fe80::1"]);
    const both = spec("fd00:1::", ["fe80::1", "fe80::2"]);
    sync.set(one, one);
    await new Promise((r) => setImmediate(r)); // the pump has handed `one` to the table
    sync.set(both, both);
    await sync.idle();
    assert.deepEqual(seen, [shown({ op: "replace", route: one }), shown({ op: "replace", route: both })]);
    assert.deepEqual(
      sync.desiredRoutes().map((r) => r.nexthops.length),
      [2],
    );
    await sync.stop();
  });

  it("changes made by separate callbacks of one event-loop turn write a destination once, latest value", async () => {
    const inner = new MemoryRouteTable();
    const writes: RouteOp[] = [];
    const table = {
      replace: (r: RouteSpec) => inner.replace(r),
      delete: (k: RouteKey) => inner.delete(k),
      dumpOurs: () => inner.dumpOurs(),
      writeBatch: (ops: readonly RouteOp[]) => {
        writes.push(...ops.map(shown));
        return inner.writeBatch(ops);
      },
    };
    const sync = new RouteSync({ table, adoptMs: 0, driftCheckMs: 0, cleanupOnStop: false, now: () => 0 });
    await sync.start();
    const one = spec("fd00:1::", ["fe80::1"]);
    const both = spec("fd00:1::", ["fe80::1", "fe80::2"]);
    // Two messages handled back to back, each in its own callback (as the actor runtime does).
    await new Promise<void>((resolve) => {
      setImmediate(() => sync.set(one, one));
      setImmediate(() => {
        sync.set(both, both);
        resolve();
      });
    });
    await sync.idle();
    assert.deepEqual(writes, [shown({ op: "replace", route: both })]);
    await sync.stop();
  });

  it("does not rewrite what the kernel already holds: adopted routes at start, and values written before", async () => {
    const inner = new MemoryRouteTable();
    const a = spec("fd00:1::", ["fe80::1", "fe80::2"]);
    const b = spec("fd00:2::", ["fe80::1"]);
    await inner.replace(a);
    await inner.replace(b);
    const written: RouteOp[] = [];
    const table = {
      replace: (r: RouteSpec) => inner.replace(r),
      delete: (k: RouteKey) => inner.delete(k),
      dumpOurs: () => inner.dumpOurs(),
      writeBatch: (ops: readonly RouteOp[]) => {
        written.push(...ops.map(shown));
        return inner.writeBatch(ops);
      },
    };
    const sync = new RouteSync({ table, adoptMs: 0, driftCheckMs: 0, cleanupOnStop: false, now: () => 0 });
    await sync.start();
    // The restarted daemon re-learns `a` (nexthops in another order) and a new value for `b`.
    const aAgain = { ...a, nexthops: [...a.nexthops].reverse() };
    const b2 = spec("fd00:2::", ["fe80::9"]);
    sync.set(aAgain, aAgain);
    sync.set(b2, b2);
    // Deleting a route that is not there needs no write either.
    sync.set({ family: 6, dst: "fd00:3::", dstLen: 64 }, null);
    await sync.idle();
    assert.deepEqual(written, [shown({ op: "replace", route: b2 })]);
    assert.equal(sync.skipped, 2);
    // Setting what was just written is skipped too; a real change is written.
    sync.set(b2, b2);
    sync.set(b, b);
    await sync.idle();
    assert.deepEqual(written.slice(1), [shown({ op: "replace", route: b })]);
    // Someone deletes `a` behind our back: the drift check notices and rewrites it.
    await inner.delete(a);
    const d = await sync.checkDrift();
    assert.equal(d?.replace.length, 1);
    const r = await inner.dumpOurs();
    assert.ok(r.ok);
    assert.equal(r.value.length, 2);
    await sync.stop();
  });
});
