/**
 * DDM end to end in network namespaces (spec ddm-bfd-maghemite.md §1.10, the
 * trio/quartet tests, on Linux): 2 transits and 4 servers, one daemon each,
 * veth links with link-local addresses only, short timers.
 *
 * - every server originates prefixes over REST, and every server's kernel
 *   gets every other server's prefixes through both transits (ECMP);
 * - an IPv6 ping between two servers' prefixes succeeds;
 * - SIGKILL a transit: its peers expire and routes shrink to one nexthop
 *   within the expire threshold + 1 s; restarted, peers are back in
 *   Exchange and routes restored;
 * - a restarted server re-announces its persisted prefixes;
 * - malformed discovery packets and exchange bodies are dropped or answered
 *   400 with a counted reason.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createIcmpEchoSocket, createUdpSocket } from "dgram-extended";
import { skipUnless } from "../../support/env.js";
import { inNs } from "../../support/netns.js";
import { DdmLab, devices, type Router, type RouteRow, TIMERS, until } from "./lab.js";

const skip = skipUnless({ root: true, commands: ["ip"] });

const prefixesOf = (i: number): string[] => [`fd00:${i}::/64`, `fd00:${i}:1::/64`, `fd00:${i}:2::/64`];

describe("DDM two-tier topology in namespaces", { skip, timeout: 180_000 }, () => {
  let lab: DdmLab;

  /** Every other server's prefixes in `s`'s kernel, each with `hops` nexthops. */
  const converged = (s: Router, hops: number) => async (): Promise<RouteRow[] | undefined> => {
    const rows = await lab.routes(s);
    const want = lab.servers.filter((o) => o !== s).flatMap((o) => prefixesOf(lab.servers.indexOf(o) + 1));
    const ok = want.every((p) => devices(rows.find((r) => r.dst === p)).length === hops);
    return ok && rows.length === want.length ? rows : undefined;
  };
  const metric = async (r: Router, name: string, labels: string): Promise<number> => {
    const m = await lab.api(r, "GET", "/metrics");
    const line = String(m.body)
      .split("\n")
      .find((l) => l.startsWith(`${name}{`) && l.includes(labels));
    return line === undefined ? 0 : Number(line.split(" ").at(-1));
  };

  before(async () => {
    lab = new DdmLab(4);
    await Promise.all(lab.all().map((r) => lab.start(r)));
  });
  after(async () => {
    await lab?.shutdown();
  });

  it("every interface reaches Exchange and GET /peers shows the peers", async () => {
    for (const r of lab.all()) {
      const peers = await until(`${r.name} peers`, 15_000, async () => {
        const p = await lab.api(r, "GET", "/peers");
        const map = p.body as Record<string, { status: { type: string }; host: string; kind: number }>;
        const rows = Object.values(map);
        return rows.length === r.interfaces.length && rows.every((x) => x.status.type === "Exchange")
          ? map
          : undefined;
      });
      const hosts = Object.values(peers)
        .map((p) => p.host)
        .sort();
      if (r.kind === "transit") assert.deepEqual(hosts, ["s1", "s2", "s3", "s4"]);
      else assert.deepEqual(hosts, ["t1", "t2"]);
      for (const p of Object.values(peers)) assert.equal(p.kind, r.kind === "transit" ? 0 : 1);
    }
    const v1 = await lab.api(lab.servers[0]!, "GET", "/peers");
    assert.ok(v1.status === 200);
  });

  it("servers' originated prefixes reach every other server through both transits (ECMP)", async () => {
    for (const [i, s] of lab.servers.entries()) {
      const r = await lab.api(s, "PUT", "/prefix", prefixesOf(i + 1));
      assert.equal(r.status, 204);
    }
    for (const s of lab.servers) {
      const rows = await until(`${s.name} converged`, 15_000, converged(s, 2));
      for (const row of rows) assert.deepEqual(devices(row), ["e0", "e1"]);
      // Every route names one group of the two transits' nexthop objects (ours: protocol 221).
      const objects = JSON.parse(inNs(s.ns, "ip", "-j", "nexthop", "show")) as {
        id: number;
        protocol?: string;
        group?: unknown[];
      }[];
      const ours = objects.filter((x) => x.protocol === "221");
      assert.equal(ours.length, 3, JSON.stringify(objects));
      const group = ours.find((x) => x.group !== undefined);
      const named = new Set(
        (
          JSON.parse(inNs(s.ns, "ip", "-j", "-6", "route", "show", "proto", "221")) as { nhid?: number }[]
        ).map((r) => r.nhid),
      );
      assert.deepEqual([...named], [group?.id]);
      const m = String((await lab.api(s, "GET", "/metrics")).body);
      assert.match(m, /^magnetite_ddm_kernel_nexthop_objects 3$/m);
    }
    const o = await lab.api(lab.servers[0]!, "GET", "/originated");
    assert.deepEqual((o.body as string[]).sort(), prefixesOf(1).sort());
    const p = await lab.api(lab.servers[0]!, "GET", "/prefixes");
    const paths = Object.values(p.body as Record<string, { destination: string; path: string[] }[]>).flat();
    assert.ok(paths.some((v) => v.destination === "fd00:2::/64" && v.path.join(" ") === "s2 t1"));
    assert.ok(paths.some((v) => v.destination === "fd00:2::/64" && v.path.join(" ") === "s2 t2"));
  });

  it("an IPv6 ping between two servers' prefixes succeeds", async () => {
    const sock = createIcmpEchoSocket({ family: 6, netns: lab.servers[0]!.ns });
    try {
      const reply = await sock.ping("fd00:2::1", { timeoutMs: 2000 });
      assert.ok(reply.rttMs >= 0);
    } finally {
      sock.close();
    }
  });

  it("malformed discovery packets and exchange bodies are dropped or refused, with a counted reason", async () => {
    const t1 = lab.transits[0]!;
    const s1 = lab.servers[0]!;
    const tx = createUdpSocket({ family: 6, netns: s1.ns });
    try {
      tx.send(Uint8Array.from([2, 0x01, 7, 0]), "ff02::dd%e0", 3549); // router kind 7
      tx.send(Uint8Array.from([2]), "ff02::dd%e0", 3549); // too short
    } finally {
      tx.close();
    }
    await until("discovery drops counted", 5000, async () =>
      (await metric(t1, "magnetite_ddm_dropped_total", 'reason="DDM_DISC_BAD_KIND"')) >= 1 &&
      (await metric(t1, "magnetite_ddm_dropped_total", 'reason="DDM_DISC_TOO_SHORT"')) >= 1
        ? true
        : undefined,
    );
    const ifs = (await lab.api(s1, "GET", "/ddm/interfaces")).body as {
      name: string;
      peer: { addr: string } | null;
    }[];
    const peer = ifs.find((i) => i.name === "e0")?.peer?.addr;
    assert.ok(peer !== undefined);
    const bad = await lab.rawHttp(s1.ns, "PUT", `${peer}%e0`, 56797, "/v3/push", '{"underlay": [');
    assert.equal(bad.status, 400);
    assert.equal((JSON.parse(bad.text) as { code: string }).code, "DDM_E_XCHG_BAD_JSON");
    const shape = await lab.rawHttp(
      s1.ns,
      "PUT",
      `${peer}%e0`,
      56797,
      "/v2/push",
      '{"underlay": {"announce": 1}}',
    );
    assert.equal(shape.status, 400);
    assert.equal(await metric(t1, "magnetite_ddm_dropped_total", 'reason="DDM_E_XCHG_BAD_JSON"'), 1);
    assert.equal(await metric(t1, "magnetite_ddm_dropped_total", 'reason="DDM_E_XCHG_BAD_SHAPE"'), 1);
  });

  it("SIGKILL of a transit: routes shrink to one nexthop within expire threshold + 1 s; restart restores them", async () => {
    const t1 = lab.transits[0]!;
    const killedAt = performance.now();
    await lab.kill(t1, "SIGKILL");
    for (const s of lab.servers) {
      const rows = await until(`${s.name} single-homed`, TIMERS.expireMs + 1000, converged(s, 1));
      for (const row of rows) assert.deepEqual(devices(row), ["e1"]);
    }
    const shrunkMs = performance.now() - killedAt;
    assert.ok(shrunkMs <= TIMERS.expireMs + 1000, `${shrunkMs} ms`);
    const peers = (await lab.api(lab.servers[0]!, "GET", "/ddm/interfaces")).body as {
      name: string;
      state: string;
    }[];
    assert.equal(peers.find((p) => p.name === "e0")?.state, "Solicit");

    await lab.start(t1);
    for (const s of lab.servers) await until(`${s.name} dual-homed again`, 15_000, converged(s, 2));
    const back = await until("t1 peers back", 10_000, async () => {
      const p = (await lab.api(t1, "GET", "/peers")).body as Record<string, { status: { type: string } }>;
      return Object.values(p).filter((x) => x.status.type === "Exchange").length === 4 ? p : undefined;
    });
    assert.equal(Object.keys(back).length, 4);
    // The restarted transit found its routes (and the nexthop objects they name) still in
    // the kernel: it adopts them and rewrites none (12 routes: 3 prefixes from each server).
    await until("t1 re-learned every route", 10_000, async () =>
      (await metric(t1, "magnetite_ddm_kernel_route_writes_total", 'result="skipped"')) === 12
        ? true
        : undefined,
    );
    assert.equal(await metric(t1, "magnetite_ddm_kernel_route_writes_total", 'result="written"'), 0);
  });

  it("a restarted server re-announces its persisted prefixes", async () => {
    const s1 = lab.servers[0]!;
    const s2 = lab.servers[1]!;
    await lab.kill(s1, "SIGTERM");
    await until("s1's prefixes gone from s2", TIMERS.expireMs + 3000, async () => {
      const rows = await lab.routes(s2);
      return prefixesOf(1).every((p) => !rows.some((r) => r.dst === p)) ? true : undefined;
    });
    await lab.start(s1);
    const o = await lab.api(s1, "GET", "/originated");
    assert.deepEqual((o.body as string[]).sort(), prefixesOf(1).sort());
    for (const s of lab.servers) {
      await until(`${s.name} converged after s1 restart`, 15_000, converged(s, 2)).catch(
        async (e: unknown) => {
          const rows = await lab.routes(s);
          const ifs = await lab.api(s, "GET", "/ddm/interfaces");
          const t1 = lab.transits[0]!;
          const tp = await lab.api(t1, "GET", "/prefixes");
          const ti = await lab.api(t1, "GET", "/ddm/interfaces");
          const si = await lab.api(s1, "GET", "/ddm/interfaces");
          const logs = (t1.proc?.lines ?? [])
            .filter((l) => /ddm|push|pull|->/.test(String(l.msg)))
            .slice(-30);
          throw new Error(
            `${String(e)}\nroutes: ${JSON.stringify(rows.map((r) => [r.dst, devices(r)]))}\n${JSON.stringify(ifs.body)}\nT1 ${JSON.stringify(tp.body)}\nT1IF ${JSON.stringify(ti.body)}\nS1IF ${JSON.stringify(si.body)}\nLOGS ${JSON.stringify(logs)}`,
          );
        },
      );
    }
  });

  it("a server's uplink goes down and comes back: its routes leave it, then return through fresh nexthop objects", async () => {
    const s2 = lab.servers[1]!;
    const objectsOf = () =>
      (
        JSON.parse(inNs(s2.ns, "ip", "-j", "nexthop", "show")) as {
          id: number;
          protocol?: string;
          dev?: string;
          group?: { id: number }[];
        }[]
      ).filter((x) => x.protocol === "221");
    const before = objectsOf();
    const oldUplink = before.find((x) => x.dev === "e0");
    assert.ok(oldUplink !== undefined, JSON.stringify(before));
    inNs(s2.ns, "ip", "link", "set", "e0", "down");
    // The kernel drops the objects on e0 at once; DDM's peer expires within the threshold.
    const single = await until("s2 single-homed through e1", TIMERS.expireMs + 3000, converged(s2, 1));
    for (const row of single) assert.deepEqual(devices(row), ["e1"]);
    inNs(s2.ns, "ip", "link", "set", "e0", "up");
    const back = await until("s2 dual-homed again", 15_000, converged(s2, 2));
    for (const row of back) assert.deepEqual(devices(row), ["e0", "e1"]);
    // Every route names one group again, made of a fresh object on e0 and the one on e1.
    const after = objectsOf();
    const named = [
      ...new Set(
        (
          JSON.parse(inNs(s2.ns, "ip", "-j", "-6", "route", "show", "proto", "221")) as { nhid?: number }[]
        ).map((r) => r.nhid),
      ),
    ];
    assert.equal(named.length, 1, JSON.stringify(named));
    const group = after.find((x) => x.id === named[0]);
    const uplink = after.find((x) => x.dev === "e0");
    assert.ok(uplink !== undefined && uplink.id !== oldUplink.id, JSON.stringify(after));
    assert.ok(
      group?.group?.some((m) => m.id === uplink.id),
      JSON.stringify(after),
    );
    // The old group (the kernel shrank it to e1 when e0 went down) is named by no route any
    // more: a drift check deletes it, leaving the group and its two members.
    await until("the unused group collected", 5000, async () => {
      const left = objectsOf();
      return left.length === 3 && left.some((x) => x.id === group?.id) ? left : undefined;
    });
  });
});
