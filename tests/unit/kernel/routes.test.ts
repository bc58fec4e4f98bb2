import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fibChangeToOp, MemoryRouteTable } from "../../../dataplane/kernel/routes.js";
import type { Ipv6Addr } from "../../../protocols/ddm/ip.js";
import { DdmRib } from "../../../protocols/ddm/rib.js";

const IFS: Record<string, number> = { eth0: 3, eth1: 5 };
const ifIndexOf = (n: string) => IFS[n];

describe("kernel route table glue", () => {
  it("programs a RIB's FIB changes into a table that then holds exactly the ECMP sets", async () => {
    const rib = new DdmRib({ hostname: "s9", kind: "server" });
    const table = new MemoryRouteTable();
    const a = { addr: "fe80::a" as Ipv6Addr, ifName: "eth0" };
    const b = { addr: "fe80::b" as Ipv6Addr, ifName: "eth1" };
    const dest = { addr: "fd00:1::1" as Ipv6Addr, len: 64 };
    const apply = async (changes: ReturnType<DdmRib["applyUpdate"]>["fib"]) => {
      for (const c of changes) {
        const op = fibChangeToOp(c, ifIndexOf);
        const r = op.op === "replace" ? await table.replace(op.route) : await table.delete(op.key);
        assert.ok(r.ok);
      }
    };
    await apply(
      rib.applyUpdate(a, {
        underlay: { announce: [{ destination: dest, path: ["s1"] }], withdraw: [] },
        tunnel: null,
      }).fib,
    );
    await apply(
      rib.applyUpdate(b, {
        underlay: { announce: [{ destination: dest, path: ["s1"] }], withdraw: [] },
        tunnel: null,
      }).fib,
    );
    const dumped = await table.dumpOurs();
    assert.ok(dumped.ok);
    assert.deepEqual(
      dumped.value.map((r) => [
        r.dst,
        r.dstLen,
        r.protocol,
        r.nexthops.map((n) => `${n.gateway}@${n.ifIndex}`),
      ]),
      [["fd00:1::", 64, 221, ["fe80::a@3", "fe80::b@5"]]],
    );
    await apply(rib.expireNexthop(a).fib);
    await apply(rib.expireNexthop(b).fib);
    assert.deepEqual(await table.dumpOurs(), { ok: true, value: [] });
  });

  it("deletes instead of replacing when no nexthop's interface is known", () => {
    const op = fibChangeToOp(
      {
        destination: { addr: "fd00:2::" as Ipv6Addr, len: 64 },
        nexthops: [{ addr: "fe80::a" as Ipv6Addr, ifName: "gone0" }],
      },
      ifIndexOf,
    );
    assert.equal(op.op, "delete");
  });

  it("reports injected failures and missing routes with typed codes", async () => {
    const table = new MemoryRouteTable();
    table.failNext({ code: "KERNEL_E_REJECTED", errno: 19, message: "Nexthop device is not up" });
    const r = await table.replace({
      family: 6,
      dst: "fd00::",
      dstLen: 64,
      nexthops: [{ gateway: "fe80::1", ifIndex: 9, weight: 1 }],
    });
    assert.deepEqual(r, {
      ok: false,
      error: { code: "KERNEL_E_REJECTED", errno: 19, message: "Nexthop device is not up" },
    });
    assert.deepEqual(await table.delete({ family: 6, dst: "fd00::", dstLen: 64 }), {
      ok: false,
      error: { code: "KERNEL_E_NOT_FOUND" },
    });
  });
});
