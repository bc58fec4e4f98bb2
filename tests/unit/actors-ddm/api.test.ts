/**
 * The DDM admin routes against a fake service (fastify inject): ddm-admin
 * 2.0.0 shapes, v1 status strings for `api-version: 1.0.0`, `Expired` never
 * offered, prefix validation, exact u64 tunnel metrics.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { InterfaceStatus, RibView } from "../../../actors/ddm/messages.js";
import { type DdmApi, ddmRoutes } from "../../../api/routes/ddm.js";
import type { App } from "../../../api/app.js";
import type { Millis } from "../../../protocols/common/time.js";
import { ok } from "../../../protocols/common/result.js";
import type { Ipv6Addr, PrefixSet } from "../../../protocols/ddm/index.js";
import { testApp } from "../../support/api.js";

const status = (
  ifName: string,
  ifIndex: number,
  type: "Init" | "Solicit" | "Exchange",
  ms: number,
): InterfaceStatus => ({
  ifName,
  ifIndex,
  addr: "fe80::1" as Ipv6Addr,
  status: {
    type,
    duration: ms as Millis,
    peer:
      type === "Exchange"
        ? { addr: `fe80::${ifIndex}` as Ipv6Addr, hostname: `h${ifIndex}`, kind: "transit" }
        : null,
  },
  neighbor: null,
  counters: { solicitations_sent: 3 },
  importedPrefixes: 2,
  importedTunnelEndpoints: 0,
});

describe("DDM admin API", () => {
  let app: App;
  const calls: { op: string; set?: PrefixSet; addr?: string }[] = [];
  const view: RibView = {
    routes: [
      {
        destination: { addr: "fd00:2::" as Ipv6Addr, len: 64 },
        nexthop: { addr: "fe80::9" as Ipv6Addr, ifName: "e0" },
        path: ["s2", "t1"],
      },
    ],
    tunnels: [],
    originated: ["fd00:1::/64"],
    originatedTunnels: [],
  };
  const api: DdmApi = {
    interfaceStatus: async () => [status("e0", 3, "Exchange", 4590), status("e1", 10, "Solicit", 20)],
    view: async () => view,
    announce: async (set) => {
      calls.push({ op: "announce", set });
      return ok(undefined);
    },
    withdraw: async (set) => {
      calls.push({ op: "withdraw", set });
      return ok(undefined);
    },
    expirePeer: (addr) => {
      calls.push({ op: "expire", addr });
    },
    sync: () => {
      calls.push({ op: "sync" });
    },
  };

  before(async () => {
    app = await testApp({ plugins: [ddmRoutes(api)] });
  });
  after(async () => {
    await app.close();
  });

  it("GET /peers lists interfaces with a peer, keyed by index, v2 status with a Rust duration", async () => {
    const r = await app.inject({ method: "GET", url: "/peers" });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), {
      "3": {
        status: { type: "Exchange", duration: { secs: 4, nanos: 590_000_000 } },
        addr: "fe80::3",
        host: "h3",
        kind: 1,
      },
    });
  });

  it("GET /peers with api-version 1.0.0 answers v1 status strings", async () => {
    const r = await app.inject({ method: "GET", url: "/peers", headers: { "api-version": "1.0.0" } });
    assert.deepEqual(r.json(), { "3": { status: "Active", addr: "fe80::3", host: "h3", kind: 1 } });
  });

  it("does not offer the Expired status no state machine produces", () => {
    const doc = JSON.stringify(app.swagger());
    assert.ok(!doc.includes('"Expired"'));
  });

  it("PUT and DELETE /prefix validate CIDRs and call the service", async () => {
    const bad = await app.inject({ method: "PUT", url: "/prefix", payload: ["10.0.0.0/8"] });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, "DDM_E_BAD_PREFIX");
    const put = await app.inject({ method: "PUT", url: "/prefix", payload: ["fd00:1::/64"] });
    assert.equal(put.statusCode, 204);
    const del = await app.inject({ method: "DELETE", url: "/prefix", payload: ["fd00:1::/64"] });
    assert.equal(del.statusCode, 204);
    assert.deepEqual(
      calls.slice(-2).map((c) => c.op),
      ["announce", "withdraw"],
    );
  });

  it("tunnel endpoints keep a u64::MAX metric exact", async () => {
    const body =
      '[{"overlay_prefix":"10.0.0.0/24","boundary_addr":"fd00::1","vni":99,"metric":18446744073709551615}]';
    const r = await app.inject({
      method: "PUT",
      url: "/tunnel_endpoint",
      payload: body,
      headers: { "content-type": "application/json" },
    });
    assert.equal(r.statusCode, 204, r.body);
    const set = calls.at(-1)?.set;
    assert.ok(set?.kind === "tunnel");
    assert.equal(set.origins[0]?.metric, 0xffff_ffff_ffff_ffffn);
    const bad = await app.inject({
      method: "PUT",
      url: "/tunnel_endpoint",
      payload: '[{"vni": 1}]',
      headers: { "content-type": "application/json" },
    });
    assert.equal(bad.statusCode, 400);
  });

  it("GET /prefixes groups by nexthop; DELETE /peers/{addr} and PUT /sync are 204", async () => {
    const p = await app.inject({ method: "GET", url: "/prefixes" });
    assert.deepEqual(p.json(), { "fe80::9": [{ destination: "fd00:2::/64", path: ["s2", "t1"] }] });
    assert.equal((await app.inject({ method: "DELETE", url: "/peers/fe80::3" })).statusCode, 204);
    assert.equal((await app.inject({ method: "PUT", url: "/sync" })).statusCode, 204);
    assert.deepEqual(calls.slice(-2), [{ op: "expire", addr: "fe80::3" }, { op: "sync" }]);
  });

  it("GET /ddm/interfaces lists every interface with state, duration and counters", async () => {
    const r = await app.inject({ method: "GET", url: "/ddm/interfaces" });
    const rows = r.json() as { name: string; state: string; counters: Record<string, number> }[];
    assert.deepEqual(
      rows.map((x) => [x.name, x.state, x.counters["solicitations_sent"]]),
      [
        ["e0", "Exchange", 3],
        ["e1", "Solicit", 3],
      ],
    );
  });
});
