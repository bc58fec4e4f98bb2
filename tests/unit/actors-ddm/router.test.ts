/**
 * The DDM router actor with an in-memory kernel table and a real store:
 * kernel programming, transit redistribution to the other interfaces only
 * (tunnel part included), the imported-tunnel gauge (ddmd writes the tunnel
 * count into the underlay gauge), reconciling sync, and originations that
 * persist and come back after a restart.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { InterfaceMsg, RibView, RouterMsg } from "../../../actors/ddm/messages.js";
import { createDdmMetrics } from "../../../actors/ddm/metrics.js";
import { openPersistence } from "../../../actors/ddm/persistence.js";
import { routerSpec } from "../../../actors/ddm/router.js";
import {
  type ActorSystem,
  ask,
  createActorSystem,
  createRegistry,
  silentLogger,
} from "../../../actors/runtime/index.js";
import { RouteSync } from "../../../dataplane/kernel/route-sync.js";
import { MemoryRouteTable } from "../../../dataplane/kernel/routes.js";
import { Store } from "../../../dataplane/store/index.js";
import { type Ipv6Addr, parseIpv6, type TunnelOrigin, type Update } from "../../../protocols/ddm/index.js";
import type { Registry } from "prom-client";

const v6 = (a: string): Ipv6Addr => {
  const p = parseIpv6(a);
  assert.ok(p.ok);
  return p.value;
};
const net = (a: string) => ({ addr: v6(a), len: 64 });
const tunnel: TunnelOrigin = {
  overlayPrefix: { family: 4, addr: "10.1.0.0" as never, len: 16 },
  boundaryAddr: v6("fd00:1::1"),
  vni: 99,
  metric: 0xffff_ffff_ffff_ffffn,
};

describe("DDM router actor", () => {
  let dir: string;
  let system: ActorSystem;
  let registry: Registry;
  let table: MemoryRouteTable;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ddm-router-"));
    registry = createRegistry();
    system = createActorSystem({ onFatal: (e) => assert.fail(e), logger: silentLogger(), registry });
    table = new MemoryRouteTable();
  });
  afterEach(async () => {
    await system.stop({ deadlineMs: 2000 });
    rmSync(dir, { recursive: true, force: true });
  });

  async function router(kind: "server" | "transit", name = "r") {
    const db = await openPersistence(new Store({ dir }));
    assert.ok(db.ok);
    const routes = new RouteSync({ table, adoptMs: 0, driftCheckMs: 0, cleanupOnStop: false });
    await routes.start();
    const metrics = name === "r" ? createDdmMetrics(registry) : createDdmMetrics(createRegistry());
    const ref = system.spawn(
      routerSpec({ local: { hostname: "t1", kind }, routes, db: db.value, metrics }),
      name,
    );
    const seen: Record<string, InterfaceMsg[]> = { a: [], b: [] };
    const ifs = new Map(
      (["a", "b"] as const).map((n) => [
        n,
        {
          path: `/fake-${n}`,
          kind: "fake",
          tell: (m: InterfaceMsg) => {
            seen[n]!.push(m);
            return { delivered: true as const };
          },
        },
      ]),
    );
    ref.tell({ t: "wire", interfaces: ifs });
    ref.tell({ t: "link", ifName: "a", ifIndex: 3 });
    ref.tell({ t: "link", ifName: "b", ifIndex: 4 });
    const view = () => ask<RouterMsg, RibView>(ref, (replyTo) => ({ t: "view", replyTo }), 1000);
    return { ref, seen, view, routes };
  }

  const push = (pvs: [string, string[]][], t: TunnelOrigin[] = []): Update => ({
    underlay: { announce: pvs.map(([d, path]) => ({ destination: net(d), path })), withdraw: [] },
    tunnel: t.length === 0 ? null : { announce: t, withdraw: [] },
  });

  it("programs the kernel, redistributes to the other interface only, tunnel part included", async () => {
    const r = await router("transit");
    const from = { addr: v6("fe80::a"), ifName: "a" };
    r.ref.tell({ t: "update", from, update: push([["fd00:1::", ["s1"]]], [tunnel]) });
    await r.view();
    await r.routes.idle();
    const k = await table.dumpOurs();
    assert.ok(k.ok);
    assert.deepEqual(
      k.value.map((x) => [x.dst, x.nexthops.map((n) => `${n.gateway}@${n.ifIndex}`)]),
      [["fd00:1::", ["fe80::a@3"]]],
    );
    const toB = r.seen["b"]!.filter((m) => m.t === "event" && m.event.kind === "peerPush");
    assert.equal(toB.length, 1);
    const ev = toB[0]!;
    assert.ok(ev.t === "event" && ev.event.kind === "peerPush");
    assert.deepEqual(ev.event.update.underlay?.announce[0]?.path, ["s1", "t1"]);
    assert.deepEqual(ev.event.update.tunnel?.announce, [tunnel]);
    assert.equal(r.seen["a"]!.filter((m) => m.t === "event").length, 0);
  });

  it("counts imported tunnel endpoints in their own gauge, not the prefix gauge", async () => {
    const r = await router("server");
    const from = { addr: v6("fe80::a"), ifName: "a" };
    r.ref.tell({ t: "update", from, update: push([["fd00:1::", ["s1"]]], [tunnel]) });
    await r.view();
    const text = await registry.metrics();
    assert.match(text, /magnetite_ddm_imported_prefixes\{interface="a"\} 1\n/);
    assert.match(text, /magnetite_ddm_imported_tunnel_endpoints\{interface="a"\} 1\n/);
    const imported = r.seen["a"]!.filter((m) => m.t === "imported").at(-1);
    assert.deepEqual(imported, { t: "imported", prefixes: 1, tunnels: 1 });
  });

  it("sync removes routes the peer no longer lists, from the RIB and the kernel", async () => {
    const r = await router("server");
    const from = { addr: v6("fe80::a"), ifName: "a" };
    r.ref.tell({
      t: "update",
      from,
      update: push([
        ["fd00:1::", ["s1"]],
        ["fd00:2::", ["s2"]],
      ]),
    });
    r.ref.tell({
      t: "sync",
      from,
      response: { underlay: [{ destination: net("fd00:2::"), path: ["s2"] }], tunnel: [] },
    });
    const v = await r.view();
    assert.deepEqual(
      v.routes.map((x) => x.destination.addr),
      ["fd00:2::"],
    );
    await r.routes.idle();
    const k = await table.dumpOurs();
    assert.ok(k.ok);
    assert.deepEqual(
      k.value.map((x) => x.dst),
      ["fd00:2::"],
    );
  });

  it("persists originations before announcing them, and loads them after a restart", async () => {
    const r = await router("server");
    const ok = await ask<RouterMsg, unknown>(
      r.ref,
      (replyTo) => ({ t: "announce", set: { kind: "underlay", prefixes: [net("fd00:7::")] }, replyTo }),
      1000,
    );
    assert.deepEqual(ok, { ok: true, value: undefined });
    await ask<RouterMsg, unknown>(
      r.ref,
      (replyTo) => ({ t: "announce", set: { kind: "tunnel", origins: [tunnel] }, replyTo }),
      1000,
    );
    for (const n of ["a", "b"])
      assert.ok(r.seen[n]!.some((m) => m.t === "event" && m.event.kind === "adminAnnounce"));
    await system.stopChild("r");
    const again = await router("server", "r2");
    const v = await again.view();
    assert.deepEqual(v.originated, ["fd00:7::/64"]);
    assert.deepEqual(v.originatedTunnels, [tunnel]);
  });
});
