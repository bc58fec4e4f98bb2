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

/** A namespace with two veth links (a1, a2) to a peer namespace; their indexes. */
function twoLinks(name: string, peerName: string): { lab: NetnsLab; ns: string; ifA: number; ifB: number } {
  const lab = new NetnsLab();
  const ns = lab.addNamespace(name);
  const peer = lab.addNamespace(peerName);
  lab.addVeth(ns, "a1", peer, "b1");
  lab.addVeth(ns, "a2", peer, "b2");
  const idx = (n: string) =>
    (JSON.parse(inNs(ns, "ip", "-j", "link", "show", n)) as { ifindex: number }[])[0]?.ifindex ?? -1;
  return { lab, ns, ifA: idx("a1"), ifB: idx("a2") };
}

/** A /64 route through `(gateway, ifIndex)` pairs, weight 1. */
const spec = (dst: string, nhs: [string, number][]): RouteSpec => ({
  family: 6,
  dst,
  dstLen: 64,
  nexthops: nhs.map(([gateway, ifIndex]) => ({ gateway, ifIndex, weight: 1 })),
});

describe("netlink route table in a namespace", { skip }, () => {
  let lab: NetnsLab;
  let ns = "";
  let table: NetlinkRouteTable;
  let ifA = 0;
  let ifB = 0;

  const routes = (): IpRoute[] =>
    JSON.parse(inNs(ns, "ip", "-j", "-6", "route", "show", "table", "main")) as IpRoute[];
  const ours = (): IpRoute[] => routes().filter((r) => r.protocol === "221" || r.protocol === "ddm");
  const objects = (): IpNexthop[] => objectsIn(ns);
  const hops = (r: IpRoute | undefined): string[] =>
    r === undefined
      ? []
      : (r.nexthops ?? [{ gateway: r.gateway ?? "", dev: r.dev ?? "" }])
          .map((h) => `${h.gateway}@${h.dev}`)
          .sort();

  before(() => {
    ({ lab, ns, ifA, ifB } = twoLinks("krt", "krp"));
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
    // Routes name nexthop objects (~72 bytes each): 3,000 fit in 4 datagrams; the
    // rejected one is retried once after the objects are re-read (a dump and a
    // datagram more). The unencodable one and the delete are not retried.
    const datagrams = table.stats.datagrams - before.datagrams;
    assert.ok(datagrams >= 4 && datagrams <= 8, `${datagrams} datagrams`);
    assert.equal(table.stats.retried - before.retried, 1);
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
    // The stop also deleted the nexthop objects our routes had named.
    assert.deepEqual(
      objects().filter((o) => o.protocol === "221"),
      [],
    );
  });
});

interface IpNexthop {
  id: number;
  protocol?: string;
  gateway?: string;
  dev?: string;
  group?: { id: number; weight?: number }[];
}
const objectsIn = (ns: string): IpNexthop[] =>
  JSON.parse(inNs(ns, "ip", "-j", "nexthop", "show")) as IpNexthop[];

describe("routes through kernel nexthop objects", { skip }, () => {
  let lab: NetnsLab;
  let ns = "";
  let table: NetlinkRouteTable;
  let ifA = 0;
  let ifB = 0;
  const BASE = 0x7dd0_0000;
  const route = (
    dst: string,
  ): { nhid?: number; gateway?: string; nexthops?: { gateway: string; dev: string }[] } | undefined =>
    (
      JSON.parse(inNs(ns, "ip", "-j", "-6", "route", "show", "proto", "221")) as {
        dst: string;
        nhid?: number;
      }[]
    ).find((r) => r.dst === dst);
  const replace = (s: RouteSpec): RouteOp => ({ op: "replace", route: s });
  const open = (o: { nexthopIdBase?: number; nexthopObjects?: boolean } = {}): NetlinkRouteTable => {
    const t = openNetlinkRouteTable({ netns: ns, timeoutMs: 2000, ...o });
    assert.ok(t.ok);
    return t.value;
  };
  const until = async (what: string, ok: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(ok(), what);
  };

  before(() => {
    ({ lab, ns, ifA, ifB } = twoLinks("knh", "knp"));
    table = open();
  });
  after(() => {
    table?.close();
    lab?.destroy();
  });

  it("a burst names one group per ECMP set and one object per neighbour, all protocol 221", async () => {
    assert.ok(table.usesNexthopObjects);
    const two = Array.from({ length: 3000 }, (_, i) =>
      replace(
        spec(`fd00:50:${i.toString(16)}::`, [
          ["fe80::2", ifA],
          ["fe80::3", ifB],
        ]),
      ),
    );
    const one = Array.from({ length: 500 }, (_, i) =>
      replace(spec(`fd00:51:${i.toString(16)}::`, [["fe80::3", ifB]])),
    );
    assert.equal((await table.writeBatch([...two, ...one])).size, 0);
    const objs = objectsIn(ns);
    assert.equal(objs.length, 3, JSON.stringify(objs));
    assert.ok(objs.every((o) => o.protocol === "221" && o.id >= BASE));
    const group = objs.find((o) => o.group !== undefined);
    assert.deepEqual(
      group?.group?.map((m) => m.id).sort(),
      objs
        .filter((o) => o.group === undefined)
        .map((o) => o.id)
        .sort(),
    );
    assert.equal(route("fd00:50:17::/64")?.nhid, group?.id);
    const b = objs.find((o) => o.gateway === "fe80::3");
    assert.equal(route("fd00:51:3::/64")?.nhid, b?.id);
    assert.equal(table.stats.nexthopsCreated, 3);
    // What the dump reports is what the objects hold, whatever the kernel's compat mode expands.
    for (const compat of ["0", "1"]) {
      inNs(ns, "sysctl", "-qw", `net.ipv4.nexthop_compat_mode=${compat}`);
      const d = await table.dumpOurs();
      assert.ok(d.ok);
      const r = d.value.find((x) => x.dst === "fd00:50:17::");
      assert.deepEqual(
        r?.nexthops.map((n) => `${n.gateway}@${n.ifIndex}`).sort(),
        [`fe80::2@${ifA}`, `fe80::3@${ifB}`],
        `compat mode ${compat}`,
      );
      assert.equal(d.value.find((x) => x.dst === "fd00:51:3::")?.nexthops[0]?.gateway, "fe80::3");
    }
  });

  it("a restarted table adopts the objects it finds and creates none for the same sets", async () => {
    const again = open();
    try {
      const d = await again.dumpOurs();
      assert.ok(d.ok);
      assert.equal(d.value.filter((r) => r.nexthops.length === 2).length, 3000);
      const ops = [
        replace(
          spec("fd00:52::", [
            ["fe80::3", ifB],
            ["fe80::2", ifA],
          ]),
        ),
        replace(spec("fd00:52:1::", [["fe80::2", ifA]])),
      ];
      assert.equal((await again.writeBatch(ops)).size, 0);
      assert.equal(again.stats.nexthopsCreated, 0);
      assert.equal(objectsIn(ns).length, 3);
    } finally {
      again.close();
    }
  });

  it("objects no route names any more are deleted at the next dump; those in use stay", async () => {
    // Every ECMP route moves to one neighbour: the group is left unused.
    const moved = Array.from({ length: 3000 }, (_, i) =>
      replace(spec(`fd00:50:${i.toString(16)}::`, [["fe80::3", ifB]])),
    );
    moved.push(replace(spec("fd00:52::", [["fe80::3", ifB]])));
    assert.equal((await table.writeBatch(moved)).size, 0);
    const before = table.stats.nexthopsCollected;
    assert.ok((await table.dumpOurs()).ok);
    assert.equal(table.stats.nexthopsCollected - before, 1);
    const objs = objectsIn(ns);
    assert.equal(objs.length, 2, JSON.stringify(objs));
    assert.ok(objs.every((o) => o.group === undefined));
  });

  it("a device going down takes its objects; the next write through it creates fresh ones", async () => {
    const both = spec("fd00:53::", [
      ["fe80::2", ifA],
      ["fe80::3", ifB],
    ]);
    assert.equal((await table.writeBatch([replace(both)])).size, 0);
    const heard = table.stats.notifications;
    inNs(ns, "ip", "link", "set", "a1", "down");
    await until("the kernel's removal notified", () => table.stats.notifications > heard);
    inNs(ns, "ip", "link", "set", "a1", "up");
    await until(
      "a1 has its carrier back",
      () => inNs(ns, "cat", "/sys/class/net/a1/operstate").trim() === "up",
    );
    assert.equal((await table.writeBatch([replace(both)])).size, 0);
    const r = route("fd00:53::/64");
    assert.deepEqual(
      r?.nexthops?.map((n) => `${n.gateway}@${n.dev}`).sort(),
      ["fe80::2@a1", "fe80::3@a2"],
      JSON.stringify(r),
    );
  });

  it("an id somebody else took after we read the objects: the write is retried with a free one", async () => {
    const base = BASE + 0x1000;
    const t = open({ nexthopIdBase: base });
    try {
      assert.ok((await t.dumpOurs()).ok);
      inNs(ns, "ip", "nexthop", "add", "id", String(base), "via", "fe80::9", "dev", "a1");
      const r = await t.writeBatch([replace(spec("fd00:54::", [["fe80::7", ifA]]))]);
      assert.equal(r.size, 0);
      assert.equal(t.stats.retried, 1);
      const got = route("fd00:54::/64");
      assert.equal(got?.gateway, "fe80::7");
      assert.ok(got?.nhid !== base);
      // The other party's object is untouched.
      assert.equal(objectsIn(ns).find((o) => o.id === base)?.gateway, "fe80::9");
    } finally {
      t.close();
      inNs(ns, "ip", "nexthop", "del", "id", String(base));
    }
  });

  it("with nexthop objects off, routes carry their gateways", async () => {
    const t = open({ nexthopObjects: false });
    try {
      assert.equal(t.usesNexthopObjects, false);
      assert.equal((await t.writeBatch([replace(spec("fd00:55::", [["fe80::2", ifA]]))])).size, 0);
      const r = route("fd00:55::/64");
      assert.equal(r?.nhid, undefined);
      assert.equal(r?.gateway, "fe80::2");
    } finally {
      t.close();
    }
  });
});
