import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { App } from "../../../api/app.js";
import { lbCommands, parseSse } from "../../../api/cli/commands/lb.js";
import { main } from "../../../api/cli/main.js";
import { eventRoutes } from "../../../api/routes/events.js";
import { lbRoutes } from "../../../api/routes/lb.js";
import type { MemoryLbDataplane } from "../../../dataplane/memory/memory-lb-dataplane.js";
import { testApp } from "../../support/api.js";
import { frontend, pool } from "../lb/builders.js";
import { type Harness, harness } from "./harness.js";

const web = frontend("web", "192.0.2.1", [
  pool("primary", [["a", "10.0.0.1"]]),
  pool("fallback", [["b", "10.0.0.2"]]),
]);

describe("magnetite lb … (against a live API over the memory dataplane)", () => {
  let h: Harness<MemoryLbDataplane>;
  let app: App;
  let url: string;
  before(async () => {
    h = await harness({ frontends: [web], states: { a: "up", b: "up" } });
    app = await testApp({ plugins: [lbRoutes(() => h.svc), eventRoutes(() => h.svc.hub)] });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const a = app.server.address();
    assert.ok(a !== null && typeof a === "object");
    url = `http://127.0.0.1:${a.port}`;
  });
  after(async () => {
    await app.close();
    await h.stop();
  });

  async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const code = await main(
      ["--api", url, ...argv],
      { out: (t) => (out += t), err: (t) => (err += t), env: {} },
      lbCommands,
    );
    return { code, out, err };
  }

  it("lb frontends prints an aligned table; --json the API body", async () => {
    const r = await run("lb", "frontends");
    assert.equal(r.code, 0, r.err);
    const [head, row] = r.out.split("\n");
    assert.match(head ?? "", /^Name\s+VIP\s+State\s+Duration\s+Active pool\s+Serving$/);
    assert.match(row ?? "", /^web\s+192\.0\.2\.1:80 tcp\s+up\s+\S.*primary\s+1\/2$/);
    const j = await run("--json", "lb", "frontends");
    assert.equal(JSON.parse(j.out)[0].name, "web");
  });

  it("lb frontend NAME shows members; weight … flush overrides; unknown names exit 1", async () => {
    const r = await run("lb", "frontend", "web");
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Active pool:\s+primary/);
    assert.match(r.out, /fallback\s+b\s+10\.0\.0\.2\s+up\s+100\s+0\n/);
    const w = await run("lb", "frontend", "web", "weight", "primary", "a", "30", "flush");
    assert.equal(w.code, 0, w.err);
    assert.match(w.out, /primary\s+a\s+10\.0\.0\.1\s+up\s+30 \(config 100\)\s+30\n/);
    const missing = await run("lb", "frontend", "nope");
    assert.equal(missing.code, 1);
    assert.match(missing.err, /404 LB_E_FRONTEND_NOT_FOUND/);
    assert.equal((await run("lb", "frontend", "web", "weight", "primary", "a", "101")).code, 2);
  });

  it("lb vips and lb sync", async () => {
    await h.settle();
    const v = await run("lb", "vips");
    assert.equal(v.code, 0, v.err);
    assert.match(v.out, /^dataplane memory \(connected\), 1 VIPs\n/);
    assert.match(v.out, /192\.0\.2\.1\/32 tcp:80\s+gre4\s+-\s+web\s+10\.0\.0\.1\s+30\n/);
    const s = await run("lb", "sync");
    assert.equal(s.code, 0, s.err);
    assert.match(s.out, /^sync: 0 ops in [\d.]+ ms\n$/);
  });

  it("lb watch --count N prints the replay and stops", async () => {
    const r = await run("lb", "watch", "--count", "3");
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split("\n");
    assert.equal(lines.length, 3);
    assert.match(lines[0] ?? "", /backend\s+a\s+up$/);
    assert.match(lines[2] ?? "", /frontend\s+web\s+up$/);
  });

  it("parseSse keeps partial frames for the next chunk", () => {
    const a = parseSse('id: 1\nevent: backend\ndata: {"x":1}\n\nid: 2\ndata: {"y"');
    assert.deepEqual(a, { data: ['{"x":1}'], rest: 'id: 2\ndata: {"y"' });
  });
});
