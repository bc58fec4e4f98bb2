import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Command, ExitCode, type Io } from "../../../api/cli/command.js";
import { commands } from "../../../api/cli/commands/index.js";
import { main } from "../../../api/cli/main.js";
import { deadUrl, type FakeApi, startFakeApi } from "./fake-api.js";

const FIXTURES = new URL("../../fixtures/config/", import.meta.url);

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(
  argv: string[],
  env: Record<string, string> = {},
  table?: readonly Command[],
): Promise<Run> {
  let out = "";
  let err = "";
  const io: Io = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env,
  };
  const code = await main(argv, io, table);
  return { code, out, err };
}

const ALIVE = { status: "ok", uptime_ms: 3 * 3_600_000 + 12 * 60_000 + 5000, version: "0.1.0", pid: 42 };
const ACTORS = [
  {
    path: "/root",
    parent: null,
    depth: 0,
    kind: "supervisor",
    status: "running",
    restarts: 0,
    mailbox_depth: 0,
  },
  {
    path: "/root/bfd",
    parent: "/root",
    depth: 1,
    kind: "bfd-manager",
    status: "running",
    restarts: 2,
    mailbox_depth: 17,
  },
];
const STATUS_OK = {
  file: "/etc/magnetite.yaml",
  loaded_at: "2026-01-01T00:00:02.000Z",
  reloads_ok: 1,
  reloads_failed: 1,
  last_error: { at: "2026-01-01T00:00:01.000Z", code: "CFG_E_INVALID", message: "old", issues: [] },
};

let up: FakeApi;
let notReady: FakeApi;
let failedReload: FakeApi;

before(async () => {
  up = await startFakeApi({
    "GET /healthz": { status: 200, body: ALIVE },
    "GET /readyz": {
      status: 200,
      body: {
        ready: true,
        subsystems: [
          { name: "bfd", state: "running" },
          { name: "lb", state: "running" },
        ],
      },
    },
    "GET /actors": { status: 200, body: ACTORS },
    "POST /config/reload": { status: 200, body: STATUS_OK },
  });
  notReady = await startFakeApi({
    "GET /healthz": { status: 200, body: ALIVE },
    "GET /readyz": { status: 503, body: { ready: false, subsystems: [{ name: "ddm", state: "failed" }] } },
    "GET /actors": { status: 200, body: [{ nonsense: true }] },
    // Bodies of another shape for every read command (another version, a proxy's page).
    "GET /bfd/peers": { status: 200, body: [{ peer: 1 }] },
    "GET /bfd/peers/10.0.0.2": { status: 200, body: { state: "Up" } },
    "GET /peers": { status: 200, body: { 2: { status: "up" } } },
    "GET /prefixes": { status: 200, body: [] },
    "GET /originated": { status: 200, body: {} },
    "GET /ddm/interfaces": { status: 200, body: [{ name: 3 }] },
    "GET /lb/frontends": { status: 200, body: { frontends: [] } },
    "GET /lb/backends": { status: 200, body: [{ name: "web1" }] },
  });
  failedReload = await startFakeApi({
    "POST /config/reload": {
      status: 200,
      body: {
        ...STATUS_OK,
        last_error: {
          at: "2026-01-01T00:00:09.000Z",
          code: "CFG_E_INVALID",
          message: "2 issues",
          issues: ["/etc/m.yaml:3:5 api.x: unknown key", "/etc/m.yaml:9:1 y: unknown key"],
        },
      },
    },
  });
});
after(async () => {
  await Promise.all([up.close(), notReady.close(), failedReload.close()]);
});

describe("cli: config check", () => {
  it("exits 0 for a valid file", async () => {
    const r = await run(["config", "check", new URL("full.yaml", FIXTURES).pathname]);
    assert.equal(r.code, ExitCode.OK);
    assert.match(r.out, /full\.yaml: ok/);
  });

  it("exits 2 and prints every issue as file:line:col path: message", async () => {
    const file = new URL("invalid.yaml", FIXTURES).pathname;
    const r = await run(["config", "check", file]);
    assert.equal(r.code, ExitCode.USAGE);
    const lines = r.out.trimEnd().split("\n");
    assert.deepEqual(lines, [
      `${file}:3:3 api.port: unknown key "port" (expected one of: listen, body-limit)`,
      `${file}:6:15 healthchecks.web.interval: unknown unit "sec" in duration "2sec" (use ms, s, m or h)`,
      `${file}:11:50 frontends.www.pools[0].backends.b1.weight: must be at most 100, got 150`,
    ]);
    assert.match(r.err, /3 issues \(CFG_E_INVALID\)/);
  });

  it("a missing file exits 2 too; --json gives the issues as data", async () => {
    const r = await run(["--json", "config", "check", "/nonexistent/magnetite.yaml"]);
    assert.equal(r.code, ExitCode.USAGE);
    const body = JSON.parse(r.out);
    assert.equal(body.ok, false);
    assert.equal(body.code, "CFG_E_READ");
    assert.equal(body.issues[0].file, "/nonexistent/magnetite.yaml");
  });

  it("needs exactly one FILE", async () => {
    assert.equal((await run(["config", "check"])).code, ExitCode.USAGE);
    assert.equal((await run(["config", "check", "a", "b"])).code, ExitCode.USAGE);
  });
});

describe("cli: API commands", () => {
  it("status prints liveness, uptime in maghemite's format and subsystems; exit 0 when ready", async () => {
    const r = await run(["--api", up.url, "status"]);
    assert.equal(r.code, ExitCode.OK, r.err);
    assert.equal(
      r.out,
      "magnetite 0.1.0 pid 42 up 3h 12m 5s: ready\nSubsystem  State\nbfd        running\nlb         running\n",
    );
  });

  it("status exits 1 when the daemon answers but is not ready", async () => {
    const r = await run(["status"], { MAGNETITE_API: notReady.url });
    assert.equal(r.code, ExitCode.FAILURE);
    assert.match(r.out, /NOT READY/);
    assert.match(r.out, /ddm\s+failed/);
  });

  it("status exits 3 when nothing listens", async () => {
    const r = await run(["--api", await deadUrl(), "status"]);
    assert.equal(r.code, ExitCode.UNREACHABLE);
    assert.match(r.err, /cannot reach/);
    assert.equal(r.out, "");
  });

  it("actors prints the tree as an indented table, or JSON with --json", async () => {
    const r = await run(["actors", "--api", up.url]);
    assert.equal(r.code, ExitCode.OK, r.err);
    assert.equal(
      r.out,
      [
        "Path         Kind         Status   Restarts  Mailbox",
        "/root        supervisor   running  0         0",
        "  /root/bfd  bfd-manager  running  2         17",
        "",
      ].join("\n"),
    );
    const j = await run(["actors", "--json", "--api", up.url]);
    assert.deepEqual(JSON.parse(j.out), ACTORS);
  });

  it("a response of the wrong shape is a runtime failure, not a crash, for every read command", async () => {
    for (const argv of [
      ["actors"],
      ["bfd", "peers"],
      ["bfd", "peer", "10.0.0.2"],
      ["ddm", "peers"],
      ["ddm", "prefixes"],
      ["ddm", "originated"],
      ["ddm", "interfaces"],
      ["lb", "frontends"],
      ["lb", "backends"],
    ]) {
      const r = await run([...argv, "--api", notReady.url]);
      assert.equal(r.code, ExitCode.FAILURE, argv.join(" "));
      assert.match(r.err, /unexpected response shape/, argv.join(" "));
      assert.equal(r.out, "", argv.join(" "));
    }
  });

  it("config reload reports success, or the daemon's issues with exit 2", async () => {
    const ok = await run(["config", "reload", "--api", up.url]);
    assert.equal(ok.code, ExitCode.OK, ok.err);
    assert.match(ok.out, /reloaded \/etc\/magnetite\.yaml/);
    assert.equal(up.seen.find((s) => s.url === "/config/reload")?.method, "POST");
    const bad = await run(["config", "reload", "--api", failedReload.url]);
    assert.equal(bad.code, ExitCode.USAGE);
    assert.match(bad.err, /reload failed \(CFG_E_INVALID\)/);
    assert.equal(bad.out, "/etc/m.yaml:3:5 api.x: unknown key\n/etc/m.yaml:9:1 y: unknown key\n");
  });
});

describe("cli: usage", () => {
  it("--help lists every command and the exit codes", async () => {
    const r = await run(["--help"]);
    assert.equal(r.code, ExitCode.OK);
    for (const c of commands) assert.ok(r.out.includes(c.words.join(" ")), c.words.join(" "));
    assert.match(r.out, /3 {2}API unreachable/);
  });

  it("no command prints help and exits 2; a command's --help exits 0", async () => {
    const none = await run([]);
    assert.equal(none.code, ExitCode.USAGE);
    assert.match(none.out, /Usage: magnetite/);
    const one = await run(["config", "check", "--help"]);
    assert.equal(one.code, ExitCode.OK);
    assert.match(one.out, /Usage: magnetite config check FILE/);
  });

  it("unknown commands, unknown options and bad global values exit 2", async () => {
    const unknown = await run(["config", "frobnicate"]);
    assert.equal(unknown.code, ExitCode.USAGE);
    assert.match(unknown.err, /unknown command "config frobnicate" \(try: config check, config reload\)/);
    assert.equal((await run(["status", "--bogus"])).code, ExitCode.USAGE);
    assert.equal((await run(["status", "--timeout", "soon"])).code, ExitCode.USAGE);
    assert.equal((await run(["status", "--api", "nope"])).code, ExitCode.USAGE);
  });

  it("commands come from the table: a registered module is dispatched with its options", async () => {
    const seen: string[] = [];
    const extra: Command = {
      words: ["bfd", "add-peer"],
      synopsis: "PEER",
      summary: "test",
      options: { mode: { type: "string" } },
      positionals: { min: 1, max: 1 },
      run: async ({ args, values, global }) => {
        seen.push(`${args[0]} ${String(values["mode"])} ${global.timeoutMs}`);
        return 0;
      },
    };
    const r = await run(["--timeout", "250ms", "bfd", "add-peer", "10.0.0.1", "--mode", "multi-hop"], {}, [
      ...commands,
      extra,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(seen, ["10.0.0.1 multi-hop 250"]);
  });

  it("raw-argument commands receive everything after their words untouched", async () => {
    let got: readonly string[] = [];
    const raw: Command = {
      words: ["daemon"],
      summary: "",
      rawArgs: true,
      run: async ({ args }) => {
        got = args;
        return 0;
      },
    };
    await run(["--json", "daemon", "--config", "x.yaml", "--weird"], {}, [raw]);
    assert.deepEqual(got, ["--config", "x.yaml", "--weird"]);
  });

  it("an unexpected exception in a command is exit 1 with its message", async () => {
    const boom: Command = {
      words: ["boom"],
      summary: "",
      run: async () => {
        throw new Error("kaput");
      },
    };
    const r = await run(["boom"], {}, [boom]);
    assert.equal(r.code, ExitCode.FAILURE);
    assert.equal(r.err, "magnetite: kaput\n");
  });
});
