/** `magnetite ddm …` against a canned API: ddmadm's tables, sorting and durations. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Io } from "../../../api/cli/command.js";
import { main } from "../../../api/cli/main.js";
import { type FakeApi, startFakeApi } from "../cli/fake-api.js";

async function run(argv: string[], api: FakeApi): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: Io = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env: { MAGNETITE_API: api.url },
  };
  const code = await main(argv, io);
  return { code, out, err };
}

describe("magnetite ddm", () => {
  let api: FakeApi;
  before(async () => {
    api = await startFakeApi({
      "GET /peers": {
        status: 200,
        body: {
          "10": {
            status: { type: "Exchange", duration: { secs: 4, nanos: 590_000_000 } },
            addr: "fe80::a",
            host: "t2",
            kind: 1,
          },
          "9": {
            status: { type: "Exchange", duration: { secs: 90, nanos: 250_000_000 } },
            addr: "fe80::9",
            host: "s1",
            kind: 0,
          },
        },
      },
      "GET /prefixes": {
        status: 200,
        body: { "fe80::9": [{ destination: "fd00:2::/64", path: ["s2", "t1"] }] },
      },
      "GET /originated": { status: 200, body: ["fd00:1::/64"] },
      "PUT /prefix": { status: 204 },
      "DELETE /prefix": { status: 204 },
      "DELETE /peers/fe80%3A%3A9": { status: 204 },
      "PUT /sync": { status: 204 },
    });
  });
  after(async () => {
    await api.close();
  });

  it("peers: ddmadm columns, rows sorted by interface index, human durations", async () => {
    const r = await run(["ddm", "peers"], api);
    assert.equal(r.code, 0, r.err);
    assert.equal(
      r.out,
      [
        "Interface  Host  Address  Kind     Status    Duration",
        "9          s1    fe80::9  Server   Exchange  1m 30s 250ms",
        "10         t2    fe80::a  Transit  Exchange  4s 590ms",
        "",
      ].join("\n"),
    );
  });

  it("prefixes: path with the nearest hop first; originated: one column", async () => {
    const p = await run(["ddm", "prefixes"], api);
    assert.equal(p.out, "Destination  Next Hop  Path\nfd00:2::/64  fe80::9   t1 s2\n");
    const o = await run(["ddm", "originated"], api);
    assert.equal(o.out, "Prefix\nfd00:1::/64\n");
  });

  it("advertise, withdraw, expire-peer and sync send the ddm-admin requests", async () => {
    for (const argv of [
      ["ddm", "advertise", "fd00:1::/64", "fd00:2::/64"],
      ["ddm", "withdraw", "fd00:1::/64"],
      ["ddm", "expire-peer", "fe80::9"],
      ["ddm", "sync"],
    ]) {
      const r = await run(argv, api);
      assert.equal(r.code, 0, `${argv.join(" ")}: ${r.err}`);
    }
    assert.deepEqual(
      api.seen.slice(-4).map((s) => `${s.method} ${s.url}`),
      ["PUT /prefix", "DELETE /prefix", "DELETE /peers/fe80%3A%3A9", "PUT /sync"],
    );
  });
});
