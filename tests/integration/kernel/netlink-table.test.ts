/**
 * The netlink RouteTable and RouteSync against a real kernel, inside a
 * namespace this test creates: ECMP replace, idempotent replace and delete,
 * protocol-221-only dumps, other protocols' routes left alone, drift repair,
 * the adoption window after a restart and cleanup on stop. Read back with
 * `ip -j -6 route`.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type NetlinkRouteTable, openNetlinkRouteTable } from "../../../dataplane/kernel/netlink-table.js";
import { RouteSync } from "../../../dataplane/kernel/route-sync.js";
import type { RouteOp } from "../../../dataplane/kernel/routes.js";
import type { RouteSpec } from "../../../dataplane/kernel/rtnetlink.js";
import { skipUnless } from "../../support/env.js";
import { inNs, NetnsLab } from "../../support/netns.js";

const skip = skipUnless({ root: true, commands: ["ip"] });

interface IpRoute {
  dst: string;
  protocol?: string;
  metric?: number;
  gateway?: string;
  dev?: string;
  nexthops?: { gateway: string; dev: string }[];
}

describe("netlink route table in a namespace", { skip }, () => {
  let lab: NetnsLab;
  let ns = "";
  let table: NetlinkRouteTable;
  let ifA = 0;
  let ifB = 0;

  const routes = (): IpRoute[] =>
    JSON.parse(inNs(ns, "ip", "-j", "-6", "route", "show", "table", "main")) as IpRoute[];
  const ours = (): IpRoute[] => routes().filter((r) => r.protocol === "221" || r.protocol === "ddm");
  const hops = (r: IpRoute | undefined): string[] =>
    r === undefined
      ? []
      : (r.nexthops ?? [{ gateway: r.gateway ?? "", dev: r.dev ?? "" }])
          .map((h) => `${h.gateway}@${h.dev}`)
          .sort();
  const spec = (dst: string, nhs: [string, number][]): RouteSpec => ({
    family: 6,
    dst,
    dstLen: 64,
    nexthops: nhs.map(([gateway, ifIndex]) => ({ gateway, ifIndex, weight: 1 })),
  });

  before(() => {
    lab = new NetnsLab();
    ns = lab.addNamespace("krt");
    const peer = lab.addNamespace("krp");
    lab.addVeth(ns, "a1", peer, "b1");
    lab.addVeth(ns, "a2", peer, "b2");
    const idx = (n: string) =>
      (JSON.parse(inNs(ns, "ip", "-j", "link", "show", n)) as { ifindex: number }[])[0]?.ifindex ?? -1;
    ifA = idx("a1");
    ifB = idx("a2");
    const t = openNetlinkRouteTable({ netns: ns, timeoutMs: 2000 });
    assert.ok(t.ok);
    table = t.value;
  });
  after(() => {
    table?.close();
    lab?.destroy();
  });

  it("replaces a route with an ECMP set, then with one nexthop, idempotently", async () => {
    const ecmp = spec("fd00:10::", [
      ["fe80::2", ifA],
      ["fe80::3", ifB],
    ]);
    assert.deepEqual(await table.replace(ecmp), { ok: true, value: undefined });
    assert.deepEqual(await table.replace(ecmp), { ok: true, value: undefined });
    let r = ours().filter((x) => x.dst === "fd00:10::/64");
    assert.equal(r.length, 1);
    assert.deepEqual(hops(r[0]), ["fe80::2@a1", "fe80::3@a2"]);
    assert.equal(r[0]?.metric, table.metric);

    assert.ok((await table.replace(spec("fd00:10::", [["fe80::3", ifB]]))).ok);
    r = ours().filter((x) => x.dst === "fd00:10::/64");
    assert.equal(r.length, 1);
    assert.deepEqual(hops(r[0]), ["fe80::3@a2"]);

    const dumped = await table.dumpOurs();
    assert.ok(dumped.ok);
    const d = dumped.value.find((x) => x.dst === "fd00:10::");
    assert.deepEqual(d?.nexthops, [{ gateway: "fe80::3", ifIndex: ifB, weight: 1 }]);
  });

  it("deletes idempotently: a second delete reports not-found and changes nothing", async () => {
    assert.ok((await table.replace(spec("fd00:11::", [["fe80::2", ifA]]))).ok);
    assert.deepEqual(await table.delete({ family: 6, dst: "fd00:11::", dstLen: 64 }), {
      ok: true,
      value: undefined,
    });
    assert.deepEqual(await table.delete({ family: 6, dst: "fd00:11::", dstLen: 64 }), {
      ok: false,
      error: { code: "KERNEL_E_NOT_FOUND" },
    });
    assert.equal(ours().filter((x) => x.dst === "fd00:11::/64").length, 0);
  });

  it("never touches another protocol's route for the same prefix", async () => {
    inNs(ns, "ip", "-6", "route", "add", "fd00:12::/64", "via", "fe80::9", "dev", "a1", "proto", "static");
    assert.ok((await table.replace(spec("fd00:12::", [["fe80::2", ifB]]))).ok);
    const all = routes().filter((x) => x.dst === "fd00:12::/64");
    assert.equal(all.length, 2, JSON.stringify(all));
    assert.ok(all.some((x) => x.protocol === "static" && x.gateway === "fe80::9"));
    assert.ok((await table.delete({ family: 6, dst: "fd00:12::", dstLen: 64 })).ok);
    assert.deepEqual(await table.delete({ family: 6, dst: "fd00:12::", dstLen: 64 }), {
      ok: false,
      error: { code: "KERNEL_E_NOT_FOUND" },
    });
    const left = routes().filter((x) => x.dst === "fd00:12::/64");
    assert.deepEqual(
      left.map((x) => x.protocol),
      ["static"],
    );
    const dumped = await table.dumpOurs();
    assert.ok(dumped.ok);
    assert.ok(dumped.value.every((x) => x.protocol === 221));
    assert.ok(!dumped.value.some((x) => x.dst === "fd00:12::"));
  });

  it("reports a kernel rejection with its errno", async () => {
    const r = await table.replace(spec("fd00:13::", [["fe80::2", 999_999]]));
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, "KERNEL_E_REJECTED");
  });

  it("a burst of 3,000 writes goes out in few datagrams, each acked by itself; a rejected one fails alone", async () => {
    const before = { ...table.stats };
    const specs = Array.from({ length: 3000 }, (_, i) =>
      spec(`fd00:30:${i.toString(16)}::`, [
        ["fe80::2", ifA],
        ["fe80::3", ifB],
      ]),
    );
    // One bad route in the middle of the burst: an interface that does not exist.
    specs[1500] = spec("fd00:31::", [["fe80::2", 999_999]]);
    const results = await Promise.all(specs.map((s) => table.replace(s)));
    const failed = results.flatMap((r, i) => (r.ok ? [] : [i]));
    assert.deepEqual(failed, [1500]);
    const datagrams = table.stats.datagrams - before.datagrams;
    // ~120 bytes per ECMP route: 3,000 fit in about 6 datagrams of 64 KiB, not 3,000.
    assert.ok(datagrams >= 5 && datagrams <= 10, `${datagrams} datagrams`);
    assert.equal(table.stats.requests - before.requests, 3000);
    const mine = ours().filter((r) => r.dst.startsWith("fd00:30:"));
    assert.equal(mine.length, 2999);
    assert.ok(mine.every((r) => hops(r).length === 2));
    const gone = await Promise.all(specs.map((s) => table.delete(s)));
    assert.equal(gone.filter((r) => r.ok).length, 2999);
    assert.equal(ours().filter((r) => r.dst.startsWith("fd00:30:")).length, 0);
  });

  it("writeBatch: 3,000 writes in a few datagrams with one ack each; failures come back by index", async () => {
    const before = { ...table.stats };
    const ops: RouteOp[] = Array.from({ length: 3000 }, (_, i) => ({
      op: "replace" as const,
      route: spec(`fd00:40:${i.toString(16)}::`, [
        ["fe80::2", ifA],
        ["fe80::3", ifB],
      ]),
    }));
    // A rejected route in the middle, an unencodable one, and a delete of a route that is not there.
    ops[1500] = { op: "replace", route: spec("fd00:41::", [["fe80::2", 999_999]]) };
    ops[2000] = { op: "replace", route: spec("not-an-address", [["fe80::2", ifA]]) };
    ops[2999] = { op: "delete", key: { family: 6, dst: "fd00:42::", dstLen: 64 } };
    const failed = await table.writeBatch(ops);
    assert.deepEqual(
      [...failed.keys()].sort((a, b) => a - b),
      [1500, 2000, 2999],
    );
    assert.equal(failed.get(1500)?.code, "KERNEL_E_REJECTED");
    assert.equal(failed.get(2000)?.code, "KERNEL_E_BAD_ROUTE");
    assert.equal(failed.get(2999)?.code, "KERNEL_E_NOT_FOUND");
    const datagrams = table.stats.datagrams - before.datagrams;
    assert.ok(datagrams >= 5 && datagrams <= 10, `${datagrams} datagrams`);
    assert.equal(table.stats.timeouts, before.timeouts);
    const mine = ours().filter((r) => r.dst.startsWith("fd00:40:"));
    assert.equal(mine.length, 2997);
    assert.ok(mine.every((r) => hops(r).length === 2));
    // Deletes in a batch, the last one asking for the ack; all succeed.
    const del: RouteOp[] = mine.map((r) => ({
      op: "delete" as const,
      key: { family: 6, dst: r.dst.replace("/64", ""), dstLen: 64 },
    }));
    assert.equal((await table.writeBatch(del)).size, 0);
    assert.equal(ours().filter((r) => r.dst.startsWith("fd00:40:")).length, 0);
    // An empty batch resolves at once.
    assert.equal((await table.writeBatch([])).size, 0);
  });

  it("RouteSync applies changes, repairs drift, adopts at start and cleans up on stop", async () => {
    // Leftovers of a previous run: one still wanted, one not.
    assert.ok((await table.replace(spec("fd00:20::", [["fe80::2", ifA]]))).ok);
    assert.ok((await table.replace(spec("fd00:21::", [["fe80::2", ifA]]))).ok);
    let now = 0;
    const sync = new RouteSync({
      table,
      adoptMs: 1000,
      driftCheckMs: 0,
      cleanupOnStop: true,
      now: () => now,
    });
    await sync.start();
    const want = spec("fd00:20::", [
      ["fe80::2", ifA],
      ["fe80::3", ifB],
    ]);
    sync.set(want, want);
    for (let i = 0; i < 200; i++) {
      const s = spec(`fd00:1:${i.toString(16)}::`, [["fe80::2", ifA]]);
      sync.set(s, s);
    }
    await sync.idle();
    assert.equal(sync.failures, 0);
    assert.deepEqual(hops(ours().find((x) => x.dst === "fd00:20::/64")), ["fe80::2@a1", "fe80::3@a2"]);
    // Within the adoption window the unwanted leftover stays.
    assert.deepEqual(await sync.checkDrift(), { replace: [], remove: [] });
    assert.ok(ours().some((x) => x.dst === "fd00:21::/64"));

    // Someone deletes one of ours by hand; the drift check puts it back and, past the window, drops the leftover.
    inNs(ns, "ip", "-6", "route", "del", "fd00:1:7::/64", "proto", "221");
    now = 2000;
    const d = await sync.checkDrift();
    assert.equal(d?.replace.length, 1);
    assert.equal(d?.remove.length, 2); // fd00:21:: and the first test's fd00:10::
    const after = ours().map((x) => x.dst);
    assert.ok(after.includes("fd00:1:7::/64"));
    assert.ok(!after.includes("fd00:21::/64"));
    assert.equal(after.length, 201);

    sync.set({ family: 6, dst: "fd00:1:8::", dstLen: 64 }, null);
    await sync.idle();
    assert.ok(!ours().some((x) => x.dst === "fd00:1:8::/64"));

    await sync.stop();
    assert.deepEqual(ours(), []);
  });
});
