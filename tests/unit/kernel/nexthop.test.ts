/**
 * Nexthop objects: request bytes against the kernel's struct layouts, a
 * dump captured from Linux 6.18 decoded, and the pool's bookkeeping (ids,
 * reuse, adoption after a restart, kernel-side removals, garbage).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RTPROT_MAGNETITE } from "../../../dataplane/kernel/constants.js";
import { hostView } from "../../../dataplane/kernel/netlink.js";
import {
  encodeDumpNexthops,
  gatewayBytes,
  type KernelNexthopObject,
  nexthopRequestLength,
  type NexthopObjectSpec,
  writeDeleteNexthopAt,
  writeNexthopAt,
} from "../../../dataplane/kernel/nexthop-codec.js";
import { NexthopPool } from "../../../dataplane/kernel/nexthop-pool.js";
import {
  decodeReplies,
  encodeReplaceRoute,
  writeRouteAt,
  REPLACE_FLAGS,
} from "../../../dataplane/kernel/rtnetlink.js";
import type { KernelNexthop } from "../../../dataplane/kernel/rtnetlink.js";
import { hex } from "./hex.js";

function written(spec: NexthopObjectSpec, seq: number): Uint8Array {
  const out = new Uint8Array(256);
  const end = writeNexthopAt(out, hostView(out), 0, out.length, spec, seq);
  assert.equal(end, nexthopRequestLength(spec));
  return out.subarray(0, end);
}

/** `ip nexthop add id 7 via fe80::2 dev a1; … id 8 via fe80::3 dev a2; … id 9 group 7/8,2` (all proto 221), dumped. */
const CAPTURED_DUMP = `
  3c000000 6800 0200 05000000 cc1b0000   # RTM_NEWNEXTHOP, MULTI, seq 5
  0a fd dd 00 00000000                   # nhmsg: AF_INET6, scope link, proto 221
  0800 0100 07000000                     # NHA_ID 7
  0800 0500 02000000                     # NHA_OIF 2
  1400 0600 fe800000000000000000000000000002
  3c000000 6800 0200 05000000 cc1b0000
  0a fd dd 00 00000000
  0800 0100 08000000
  0800 0500 03000000
  1400 0600 fe800000000000000000000000000003
  44000000 6800 0200 05000000 cc1b0000
  00 00 dd 00 00000000                   # a group: AF_UNSPEC
  0800 0100 09000000                     # NHA_ID 9
  0600 0300 0000 0000                    # NHA_GROUP_TYPE mpath
  1400 0200 07000000 00 00 0000 08000000 01 00 0000  # NHA_GROUP: 7 weight 1, 8 weight 2
  0800 0e00 00000080                     # an attribute we do not interpret
  14000000 0300 0200 05000000 cc1b0000 00000000  # NLMSG_DONE
`;

describe("nexthop object requests: golden bytes (little-endian host)", () => {
  it("creates one nexthop: AF_INET6, proto 221, NHA_ID, NHA_OIF, NHA_GATEWAY, CREATE|EXCL", () => {
    const got = written(
      { kind: "single", id: 0x7dd00000, family: 6, gateway: gatewayBytes(6, "fe80::2"), ifIndex: 3 },
      9,
    );
    const want = hex(`
      3c000000 6800 0106 09000000 00000000   # len 60, RTM_NEWNEXTHOP, REQUEST|EXCL|CREATE, seq 9
      0a 00 dd 00 00000000                   # nhmsg: AF_INET6, scope 0, proto 221
      0800 0100 0000d07d                     # NHA_ID 0x7dd00000
      0800 0500 03000000                     # NHA_OIF 3
      1400 0600 fe800000000000000000000000000002  # NHA_GATEWAY fe80::2
    `);
    assert.deepEqual(Buffer.from(got).toString("hex"), Buffer.from(want).toString("hex"));
  });

  it("creates a group: AF_UNSPEC, members with weight - 1", () => {
    const got = written(
      {
        kind: "group",
        id: 12,
        members: [
          { id: 10, weight: 1 },
          { id: 11, weight: 256 },
        ],
      },
      2,
    );
    const want = hex(`
      34000000 6800 0106 02000000 00000000   # len 52
      00 00 dd 00 00000000                   # nhmsg: AF_UNSPEC, proto 221
      0800 0100 0c000000                     # NHA_ID 12
      1400 0200 0a000000 00 00 0000 0b000000 ff 00 0000  # NHA_GROUP
    `);
    assert.deepEqual(Buffer.from(got).toString("hex"), Buffer.from(want).toString("hex"));
  });

  it("deletes by id, and dumps everything with an empty nhmsg", () => {
    const out = new Uint8Array(64);
    const end = writeDeleteNexthopAt(out, hostView(out), 0, out.length, 12, 0x04, 3);
    assert.equal(
      Buffer.from(out.subarray(0, end)).toString("hex"),
      Buffer.from(
        hex("20000000 6900 0500 03000000 00000000 00 00 00 00 00000000 0800 0100 0c000000"),
      ).toString("hex"),
    );
    assert.equal(
      Buffer.from(encodeDumpNexthops(4)).toString("hex"),
      Buffer.from(hex("18000000 6a00 0103 04000000 00000000 00 00 00 00 00000000")).toString("hex"),
    );
  });

  it("refuses to write past the limit, leaving the buffer alone", () => {
    const out = new Uint8Array(40);
    const spec: NexthopObjectSpec = {
      kind: "single",
      id: 1,
      family: 6,
      gateway: gatewayBytes(6, "fe80::2"),
      ifIndex: 3,
    };
    assert.equal(writeNexthopAt(out, hostView(out), 0, out.length, spec, 1), -1);
    assert.ok(out.every((b) => b === 0));
  });

  it("a route naming an object carries RTA_NH_ID instead of its gateways", () => {
    const out = new Uint8Array(256);
    const spec = {
      family: 6 as const,
      dst: "fd00:1::",
      dstLen: 64,
      nexthops: [
        { gateway: "fe80::2", ifIndex: 3, weight: 1 },
        { gateway: "fe80::3", ifIndex: 4, weight: 1 },
      ],
    };
    const end = writeRouteAt(
      out,
      hostView(out),
      0,
      out.length,
      24,
      REPLACE_FLAGS,
      spec,
      512,
      true,
      1,
      0x7dd00002,
    );
    const want = hex(`
      48000000 1800 0105 01000000 00000000   # len 72, RTM_NEWROUTE, REQUEST|REPLACE|CREATE
      0a 40 00 00 fe dd 00 01 00000000       # rtmsg: AF_INET6, /64, main, proto 221
      1400 0100 fd000001000000000000000000000000  # RTA_DST
      0800 0f00 fe000000                     # RTA_TABLE 254
      0800 0600 00020000                     # RTA_PRIORITY 512
      0800 1e00 0200d07d                     # RTA_NH_ID
    `);
    assert.equal(Buffer.from(out.subarray(0, end)).toString("hex"), Buffer.from(want).toString("hex"));
    // Without an object the same spec is written with its gateways, as before.
    const inline = encodeReplaceRoute(spec, 1);
    assert.ok(inline.ok && inline.value.length > end);
  });
});

describe("nexthop object replies", () => {
  it("decodes a dump captured from the kernel: two nexthops and a weighted group", () => {
    const r = decodeReplies(hex(CAPTURED_DUMP));
    assert.ok(r.ok);
    const objects = r.value.flatMap((x) => (x.kind === "nexthop" ? [x.object] : []));
    assert.deepEqual(objects, [
      { id: 7, family: 10, protocol: 221, gateway: "fe80::2", ifIndex: 2, blackhole: false, group: null },
      { id: 8, family: 10, protocol: 221, gateway: "fe80::3", ifIndex: 3, blackhole: false, group: null },
      {
        id: 9,
        family: 0,
        protocol: 221,
        gateway: null,
        ifIndex: 0,
        blackhole: false,
        group: [
          { id: 7, weight: 1 },
          { id: 8, weight: 2 },
        ],
      },
    ]);
    assert.deepEqual(r.value.at(-1), { kind: "done", seq: 5 });
  });

  it("rejects a truncated group and an object without an id, without throwing", () => {
    const badGroup = hex(`
      24000000 6800 0000 01000000 00000000
      00 00 dd 00 00000000
      0800 0100 09000000
      0800 0200 07000000                     # 4 bytes: not a whole nexthop_grp
    `);
    const r = decodeReplies(badGroup);
    assert.equal(r.ok, false);
    const noId = hex("20000000 6800 0000 01000000 00000000 0a 00 dd 00 00000000 0800 0500 02000000");
    const r2 = decodeReplies(noId);
    assert.ok(!r2.ok && r2.error.code === "NL_E_BAD_ATTR");
  });
});

const nh = (gateway: string, ifIndex: number, weight = 1): KernelNexthop => ({ gateway, ifIndex, weight });
const obj = (o: Partial<KernelNexthopObject> & { id: number }): KernelNexthopObject => ({
  family: 10,
  protocol: RTPROT_MAGNETITE,
  gateway: null,
  ifIndex: 0,
  blackhole: false,
  group: null,
  ...o,
});

describe("nexthop pool", () => {
  it("creates members before their group, and reuses both for every route with the same set", () => {
    const p = new NexthopPool(100, 50);
    const set = [nh("fe80::2", 3), nh("fe80::3", 4)];
    const first = p.plan(6, set);
    assert.ok(first !== null);
    assert.deepEqual(
      first.creates.map((o) => [o.id, o.members === null ? "single" : "group"]),
      [
        [100, "single"],
        [101, "single"],
        [102, "group"],
      ],
    );
    assert.equal(first.object.id, 102);
    // The same array (interned by the route layer), and an equal set in another order: no creation.
    assert.deepEqual(p.plan(6, set)?.creates, []);
    const other = p.plan(6, [nh("fe80::3", 4), nh("fe80::2", 3)]);
    assert.equal(other?.object.id, 102);
    assert.deepEqual(other?.creates, []);
    // One member alone is that member's object.
    assert.equal(p.plan(6, [nh("fe80::3", 4)])?.object.id, 101);
    assert.deepEqual(p.resolve(102), set);
  });

  it("weights make distinct groups; a member twice, a bad weight or an empty set get no object", () => {
    const p = new NexthopPool(100, 50);
    const a = p.plan(6, [nh("fe80::2", 3), nh("fe80::3", 4)]);
    const b = p.plan(6, [nh("fe80::2", 3, 2), nh("fe80::3", 4)]);
    assert.notEqual(a?.object.id, b?.object.id);
    assert.equal(p.plan(6, [nh("fe80::2", 3), nh("fe80::2", 3)]), null);
    assert.equal(p.plan(6, [nh("fe80::2", 3, 0), nh("fe80::3", 4)]), null);
    assert.equal(p.plan(6, []), null);
  });

  it("skips ids somebody else holds and says null when the range is full", () => {
    const p = new NexthopPool(100, 3);
    p.load([obj({ id: 101, protocol: 4, gateway: "fe80::9", ifIndex: 3 })], p.beginDump());
    assert.equal(p.plan(6, [nh("fe80::2", 3)])?.object.id, 100);
    assert.equal(p.plan(6, [nh("fe80::3", 3)])?.object.id, 102);
    assert.equal(p.plan(6, [nh("fe80::4", 3)]), null);
    // An id that met EEXIST is never handed out again, even once ours is dropped.
    const q = new NexthopPool(200, 2);
    const o = q.plan(6, [nh("fe80::2", 3)])?.object;
    assert.equal(o?.id, 200);
    if (o !== undefined) q.drop(o);
    q.markForeign(200);
    assert.equal(q.plan(6, [nh("fe80::2", 3)])?.object.id, 201);
  });

  it("adopts its objects from a dump (a restart) and reuses them, ignoring ids outside its range", () => {
    const p = new NexthopPool(100, 50);
    p.load(
      [
        obj({ id: 100, gateway: "fe80::2", ifIndex: 3 }),
        obj({ id: 101, gateway: "fe80::3", ifIndex: 4 }),
        obj({
          id: 105,
          family: 0,
          group: [
            { id: 100, weight: 1 },
            { id: 101, weight: 1 },
          ],
        }),
        obj({ id: 7, gateway: "fe80::3", ifIndex: 4 }), // proto 221 but not in our range: not ours
      ],
      p.beginDump(),
    );
    const again = p.plan(6, [nh("fe80::3", 4), nh("fe80::2", 3)]);
    assert.equal(again?.object.id, 105);
    assert.deepEqual(again?.creates, []);
    assert.equal(p.size, 3);
    // A new object gets the first free id.
    assert.equal(p.plan(6, [nh("fe80::5", 4)])?.object.id, 102);
  });

  it("a reload keeps the same objects (a cached set stays valid) and keeps one created after the dump began", () => {
    const p = new NexthopPool(100, 50);
    const set = [nh("fe80::2", 3)];
    const before = p.plan(6, set);
    const since = p.beginDump();
    const late = p.plan(6, [nh("fe80::9", 3)]); // written while the dump was in flight
    p.load([obj({ id: 100, gateway: "fe80::2", ifIndex: 3 })], since);
    assert.equal(p.plan(6, set)?.object, before?.object);
    assert.equal(p.resolve(late?.object.id ?? -1)?.[0]?.gateway, "fe80::9");
  });

  it("a member the kernel removed retires every group holding it: the next route gets fresh objects", () => {
    const p = new NexthopPool(100, 50);
    const set = [nh("fe80::2", 3), nh("fe80::3", 4)];
    const g = p.plan(6, set);
    p.removed(100); // the kernel took fe80::2's nexthop (its device went down) and shrank the group
    const next = p.plan(6, set);
    assert.notEqual(next?.object.id, g?.object.id);
    assert.deepEqual(
      next?.creates.map((o) => o.id),
      [103, 104],
    );
    // A change of content reported for one of ours retires it too; our own creation echoed back does not.
    const n = p.plan(6, [nh("fe80::7", 5)]);
    p.changed(obj({ id: n?.object.id ?? -1, gateway: "fe80::7", ifIndex: 5 }));
    assert.deepEqual(p.plan(6, [nh("fe80::7", 5)])?.creates, []);
    p.changed(obj({ id: n?.object.id ?? -1, gateway: "fe80::8", ifIndex: 5 }));
    assert.equal(p.plan(6, [nh("fe80::7", 5)])?.creates.length, 1);
  });

  it("garbage: unreferenced and unused since the dump, groups before members, members of kept groups kept", () => {
    const p = new NexthopPool(100, 50);
    p.plan(6, [nh("fe80::2", 3), nh("fe80::3", 4)]); // 100, 101, group 102
    p.plan(6, [nh("fe80::4", 5)]); // 103
    const since = p.beginDump();
    p.plan(6, [nh("fe80::5", 5)]); // 104: used after the dump began
    const g = p.garbage(new Set([102]), since);
    assert.deepEqual(
      g.map((o) => o.id),
      [103],
    );
    const since2 = p.beginDump();
    const g2 = p.garbage(new Set(), since2);
    assert.deepEqual(
      g2.map((o) => o.id),
      [102, 100, 101, 104],
    );
    assert.equal(p.size, 0);
  });
});
