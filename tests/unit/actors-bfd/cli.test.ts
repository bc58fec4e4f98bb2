/**
 * `magnetite bfd peers` and `magnetite bfd peer ADDR` against the real BFD routes and actors
 * (in-memory network, fake clock) served on loopback.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Io } from "../../../api/cli/command.js";
import { main } from "../../../api/cli/main.js";
import type { App } from "../../../api/app.js";
import { bfdRoutes } from "../../../api/routes/bfd.js";
import { testApp } from "../../support/api.js";
import { Lab, peerInput } from "./lab.js";

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: Io = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env: {},
  };
  const code = await main(argv, io);
  return { code, out, err };
}

describe("magnetite bfd …", () => {
  const lab = new Lab();
  let app: App;
  let url = "";

  before(async () => {
    const a = lab.node("a", ["10.0.0.1"], 1);
    const b = lab.node("b", ["10.0.0.2"], 2);
    await lab.await(a.service.add(peerInput("10.0.0.2", "10.0.0.1")));
    await lab.await(b.service.add(peerInput("10.0.0.1", "10.0.0.2")));
    await lab.until(async () => (await a.service.get("10.0.0.2")).state === "Up", 5000);
    await lab.run(500);
    app = await testApp({ plugins: [bfdRoutes({ service: () => a.service, now: () => lab.clock.now() })] });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const addr = app.server.address();
    url = `http://127.0.0.1:${typeof addr === "object" && addr !== null ? addr.port : 0}`;
  });
  after(async () => {
    await app.close();
    await lab.stop();
  });

  it("bfd peers prints one row per session with the negotiated timers", async () => {
    const r = await run(["--api", url, "bfd", "peers"]);
    assert.equal(r.code, 0, r.err);
    const [header, row] = r.out.trimEnd().split("\n");
    assert.match(header ?? "", /^Peer\s+Listen\s+Mode\s+State\s+Remote\s+TX\s+Detect\s+Duration\s+Flaps$/);
    assert.match(row ?? "", /^10\.0\.0\.2\s+10\.0\.0\.1\s+SingleHop\s+Up\s+Up\s+100ms\s+300ms\s+\S.*\s0$/);
  });

  it("bfd peer ADDR prints everything with the history; --json gives the API body", async () => {
    const r = await run(["--api", url, "bfd", "peer", "10.0.0.2"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Negotiated\s+tx 100ms, detection 300ms/);
    assert.match(r.out, /History:\nAt\s+Ago\s+From\s+To\s+Diag\s+Reason\n/);
    assert.match(r.out, /Down\s+Init\s+0\s+received-down/);
    const j = await run(["--api", url, "--json", "bfd", "peer", "10.0.0.2"]);
    assert.equal(JSON.parse(j.out).state, "Up");
  });

  it("an unknown peer exits 1 with the API's error", async () => {
    const r = await run(["--api", url, "bfd", "peer", "10.9.9.9"]);
    assert.equal(r.code, 1);
    assert.match(r.err, /404 BFD_E_PEER_NOT_FOUND/);
  });
});
