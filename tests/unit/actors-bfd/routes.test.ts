/**
 * The BFD REST API through `inject`, over real BFD actors on an in-memory network: mgd's shapes
 * and statuses, validation errors naming the field, the extensions, persistence across a
 * restart, and config reload diffing.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { PeerSpec } from "../../../actors/bfd/index.js";
import { parsePeerSpec } from "../../../actors/bfd/index.js";
import type { App } from "../../../api/app.js";
import { bfdRoutes } from "../../../api/routes/bfd.js";
import { testApp } from "../../support/api.js";
import { Lab, MapStore, type Node, peerInput } from "./lab.js";

const A = "10.0.0.1";
const B = "10.0.0.2";
const body = { peer: B, listen: A, required_rx: 100_000, detection_threshold: 3, mode: "SingleHop" };

function spec(
  peer: string,
  listen: string,
  over: Partial<Parameters<typeof parsePeerSpec>[0]> = {},
): PeerSpec {
  const r = parsePeerSpec(peerInput(peer, listen, over), "config");
  assert.ok(r.ok);
  return r.value;
}

describe("BFD REST API", () => {
  let lab: Lab;
  let a: Node;
  let app: App;

  beforeEach(async () => {
    lab = new Lab();
    a = lab.node("a", [A, "fd00::1"], 1);
    app = await testApp({ plugins: [bfdRoutes({ service: () => a.service, now: () => lab.clock.now() })] });
  });
  afterEach(async () => {
    await app.close();
    await lab.stop();
  });

  it("PUT adds a peer (204), GET lists it in mgd's shape, a duplicate is 409", async () => {
    const put = await app.inject({
      method: "PUT",
      url: "/bfd/peers",
      payload: { ...body, auth: { type: "keyed-sha1", key_id: 2, secret: "s3cret" } },
    });
    assert.equal(put.statusCode, 204, put.body);
    const list = await app.inject({ method: "GET", url: "/bfd/peers" });
    assert.equal(list.statusCode, 200);
    const rows = list.json();
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0].config, body);
    assert.equal(rows[0].state, "Down");
    assert.deepEqual(rows[0].options.auth, { type: "keyed-sha1", key_id: 2 });
    assert.doesNotMatch(list.body, /s3cret/, "a secret is never returned");
    assert.equal(a.store.map.get(B)?.auth?.secret, "s3cret", "but it is persisted");
    const dup = await app.inject({ method: "PUT", url: "/bfd/peers", payload: body });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json().code, "BFD_E_PEER_EXISTS");
  });

  it("an invalid body is a 400 naming the field", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...body, detection_threshold: 0 }, "body.detection_threshold"],
      [{ ...body, mode: "Sideways" }, "body.mode"],
      [{ peer: B, listen: A, required_rx: 100_000, detection_threshold: 3 }, "body.mode"],
      [{ ...body, required_rx: "fast" }, "body.required_rx"],
      [{ ...body, bogus: 1 }, "body.bogus"],
      [{ ...body, listen: "fd00::1" }, "listen"],
      [{ ...body, peer: "not-an-ip" }, "peer"],
      [{ ...body, min_ttl: 250 }, "min_ttl"],
    ];
    for (const [payload, field] of cases) {
      const r = await app.inject({ method: "PUT", url: "/bfd/peers", payload });
      assert.equal(r.statusCode, 400, `${JSON.stringify(payload)}: ${r.body}`);
      assert.equal(r.json().field, field, r.body);
    }
  });

  it("DELETE is 204 for a known and an unknown peer, and forgets the persisted record", async () => {
    await app.inject({ method: "PUT", url: "/bfd/peers", payload: body });
    assert.equal((await app.inject({ method: "DELETE", url: `/bfd/peers/${B}` })).statusCode, 204);
    assert.equal((await app.inject({ method: "DELETE", url: "/bfd/peers/10.9.9.9" })).statusCode, 204);
    assert.equal(a.store.map.size, 0);
    await lab.settle();
    assert.deepEqual((await app.inject({ method: "GET", url: "/bfd/peers" })).json(), []);
  });

  it("GET one peer shows counters and history; PATCH changes timers; unknown is 404", async () => {
    lab.node("b", [B], 2);
    await lab.await(lab.nodes[1]!.service.add(peerInput(A, B)));
    await app.inject({ method: "PUT", url: "/bfd/peers", payload: body });
    await lab.until(async () => (await a.service.get(B)).state === "Up", 5000);
    const one = await app.inject({ method: "GET", url: `/bfd/peers/${B}` });
    assert.equal(one.statusCode, 200, one.body);
    const d = one.json();
    assert.equal(d.state, "Up");
    assert.ok(d.counters.control_packets_received > 0);
    assert.equal(d.history.at(-1).to, "Up");
    const patch = app.inject({ method: "PATCH", url: `/bfd/peers/${B}`, payload: { desired_tx: 150_000 } });
    const p = await lab.await(patch);
    assert.equal(p.statusCode, 200, p.body);
    assert.equal(p.json().options.desired_tx, 150_000);
    assert.equal(
      (await app.inject({ method: "PATCH", url: `/bfd/peers/${B}`, payload: {} })).statusCode,
      400,
    );
    const missing = await app.inject({ method: "GET", url: "/bfd/peers/10.9.9.9" });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, "BFD_E_PEER_NOT_FOUND");
  });

  it("documents the extensions in the OpenAPI document", async () => {
    const doc = (await app.inject({ method: "GET", url: "/openapi.json" })).json();
    assert.ok(doc.paths["/bfd/peers"].put);
    assert.ok(doc.paths["/bfd/peers/{addr}"].patch);
    assert.ok(doc.paths["/bfd/peers/{addr}"].get);
    const put = JSON.stringify(doc.paths["/bfd/peers"].put);
    for (const k of ["desired_tx", "passive", "admin_down", "auth"]) assert.match(put, new RegExp(k));
  });
});

describe("BFD persistence and config reload", () => {
  it("peers added over the API come back after a restart", async () => {
    const store = new MapStore();
    const lab1 = new Lab();
    const n1 = lab1.node("a", [A], 1, store);
    await lab1.await(n1.service.add(peerInput(B, A, { desiredTxUs: 250_000 })));
    await lab1.stop();
    const lab2 = new Lab();
    const n2 = lab2.node("a", [A], 3, store);
    await lab2.settle();
    const s = await lab2.await(n2.service.get(B));
    assert.equal(s.spec.desiredTxUs, 250_000);
    assert.equal(s.spec.origin, "api");
    await lab2.stop();
  });

  it("a reload updates changed timers live, re-creates a moved peer, and stops a removed one", async () => {
    const lab = new Lab();
    const cfg = new Map([
      ["x", spec(B, A)],
      ["y", spec("10.0.0.3", A)],
    ]);
    const n = lab.node("a", [A, "10.0.0.9"], 1, new MapStore(), cfg);
    await lab.settle();
    const x0 = await lab.await(n.service.get(B));
    await lab.await(
      n.service.applyConfig(
        new Map([
          ["x", spec(B, A, { requiredRxUs: 200_000 })],
          ["z", spec("10.0.0.4", "10.0.0.9")],
        ]),
      ),
    );
    const x1 = await lab.await(n.service.get(B));
    assert.equal(x1.localDiscr, x0.localDiscr, "a timer change keeps the session");
    assert.equal(x1.spec.requiredRxUs, 200_000);
    const peers = (await lab.await(n.service.list())).map((s) => s.spec.peer);
    assert.deepEqual(peers, ["10.0.0.2", "10.0.0.4"]);
    await assert.rejects(lab.await(n.service.remove(B)), { code: "BFD_E_CONFIG_PEER" });
    await lab.stop();
  });

  it("a failed persist rolls the peer back", async () => {
    const lab = new Lab();
    const store = new MapStore();
    store.failWrites = true;
    const n = lab.node("a", [A], 1, store);
    await assert.rejects(lab.await(n.service.add(peerInput(B, A))), { code: "BFD_E_PERSIST" });
    await lab.settle();
    assert.deepEqual(await lab.await(n.service.list()), []);
    await lab.stop();
  });
});
