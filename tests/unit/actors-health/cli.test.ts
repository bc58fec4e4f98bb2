import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Io } from "../../../api/cli/command.js";
import { main } from "../../../api/cli/main.js";
import type { BackendDetail, BackendRow } from "../../../api/schemas/backends.js";
import { type FakeApi, startFakeApi } from "../cli/fake-api.js";

const row = (over: Partial<BackendRow>): BackendRow => ({
  name: "web1",
  address: "192.0.2.1",
  healthcheck: "web",
  type: "http",
  state: "up",
  enabled: true,
  counter: 4,
  rise: 2,
  fall: 3,
  duration_ms: 3 * 3_600_000 + 12 * 60_000 + 5000,
  since: "2026-01-01T00:00:00.000Z",
  last_result: { ok: true, code: "ok", detail: "HTTP 200", latency_ms: 1.25, at: "2026-01-01T03:12:05.000Z" },
  ...over,
});

const DETAIL: BackendDetail = {
  ...row({ state: "paused", counter: 4 }),
  history: [
    { from: "unknown", to: "up", at: "2026-01-01T00:00:00.000Z", code: "ok", detail: "HTTP 200", counter: 4 },
    {
      from: "up",
      to: "paused",
      at: "2026-01-01T03:12:05.000Z",
      code: "paused",
      detail: "operator pause",
      counter: 4,
    },
  ],
};

async function run(argv: string[], api: string) {
  let out = "";
  let err = "";
  const io: Io = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env: { MAGNETITE_API: api },
  };
  const code = await main(argv, io);
  return { code, out, err };
}

describe("magnetite lb backends / lb backend", () => {
  let api: FakeApi;
  before(async () => {
    api = await startFakeApi({
      "GET /lb/backends": {
        status: 200,
        body: [
          row({}),
          row({
            name: "db-long-name",
            address: "2001:db8::5",
            healthcheck: null,
            type: null,
            state: "down",
            counter: 0,
            duration_ms: 4590,
            last_result: { ok: false, code: "timeout", detail: "no answer", latency_ms: 1000, at: "x" },
          }),
        ],
      },
      "GET /lb/backends/web1": { status: 200, body: DETAIL },
      "POST /lb/backends/web1/pause": { status: 200, body: DETAIL },
      "POST /lb/backends/web1/resume": {
        status: 409,
        body: {
          statusCode: 409,
          code: "HC_E_BACKEND_DISABLED",
          message: "web1: cannot resume a disabled backend",
        },
      },
    });
  });
  after(() => api.close());

  it("prints an aligned table with human durations", async () => {
    const r = await run(["lb", "backends"], api.url);
    assert.equal(r.code, 0, r.err);
    assert.equal(
      r.out,
      [
        "Name          Address      Check       State  Duration   Counter  Last",
        "web1          192.0.2.1    web (http)  up     3h 12m 5s  4/4      ok 1.3ms",
        "db-long-name  2001:db8::5  -           down   4s 590ms   0/4      timeout: no answer",
        "",
      ].join("\n"),
    );
  });

  it("--json prints the API body unchanged", async () => {
    const r = await run(["--json", "lb", "backends"], api.url);
    assert.equal(r.code, 0);
    const body = JSON.parse(r.out) as BackendRow[];
    assert.equal(body.length, 2);
    assert.equal(body[1]?.state, "down");
  });

  it("lb backend NAME shows the details and the history", async () => {
    const r = await run(["lb", "backend", "web1"], api.url);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^State: {7}paused$/m);
    assert.match(r.out, /^Counter: {5}4\/4 \(rise 2, fall 3\)$/m);
    assert.match(r.out, /History:\n.*\n.*unknown +up +ok +HTTP 200\n.*up +paused +paused +operator pause\n$/);
  });

  it("lb backend NAME ACTION posts the action; an API refusal exits 1 with its message", async () => {
    const ok = await run(["lb", "backend", "web1", "pause"], api.url);
    assert.equal(ok.code, 0, ok.err);
    assert.ok(api.seen.some((s) => s.method === "POST" && s.url === "/lb/backends/web1/pause"));
    const refused = await run(["lb", "backend", "web1", "resume"], api.url);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /cannot resume a disabled backend/);
  });

  it("an unknown action is a usage error (exit 2) and nothing is sent", async () => {
    const before = api.seen.length;
    const r = await run(["lb", "backend", "web1", "reboot"], api.url);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown action "reboot"/);
    assert.equal(api.seen.length, before);
  });
});
