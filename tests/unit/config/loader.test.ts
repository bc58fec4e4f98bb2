import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigError, type ConfigIssue, formatIssue } from "../../../api/config/issue.js";
import {
  defaultConfig,
  loadConfigFile,
  parseConfigText,
  readConfigFile,
} from "../../../api/config/loader.js";
import type { Config } from "../../../api/config/schema.js";

const FIXTURES = new URL("../../fixtures/config/", import.meta.url);

function valid(text: string): Config {
  const r = parseConfigText(text, "t.yaml");
  if (!r.ok) assert.fail(r.error.issues.map(formatIssue).join("\n"));
  return r.value;
}

function invalid(text: string, code = "CFG_E_INVALID"): readonly ConfigIssue[] {
  const r = parseConfigText(text, "t.yaml");
  assert.ok(!r.ok, "expected the config to be rejected");
  assert.equal(r.error.code, code);
  return r.error.issues;
}

function only(issues: readonly ConfigIssue[]): ConfigIssue {
  assert.equal(issues.length, 1, issues.map(formatIssue).join("\n"));
  return issues[0]!;
}

describe("config loader: valid files", () => {
  it("an empty file is a valid config with every default", () => {
    const c = valid("");
    assert.deepEqual(c, defaultConfig());
    assert.deepEqual(c.api.listen, { host: "127.0.0.1", port: 4680 });
    assert.equal(c.api["body-limit"], 1_048_576);
    assert.equal(c.dataplane.kind, "memory");
    assert.equal(c.dataplane.socket, "/run/vpp/api.sock");
    assert.equal(c.ddm["solicit-interval"], 2000);
    assert.deepEqual(c.frontends, {});
  });

  it("a file of comments only, or a section with an empty value, is valid", () => {
    assert.deepEqual(valid("# nothing yet\n"), defaultConfig());
    assert.deepEqual(valid("api:\nbackends:\n"), defaultConfig());
  });

  it("loads the full fixture with durations in milliseconds and defaults filled in", async () => {
    const c = await loadConfigFile(new URL("full.yaml", FIXTURES).pathname);
    assert.deepEqual(c.api.listen, { host: "::1", port: 4680 });
    assert.equal(c.bfd.peers["spine1"]?.["required-rx"], 300);
    assert.equal(c.healthchecks["web"]?.["fast-interval"], 500);
    assert.equal(c.ddm["solicit-interval"], 1000);
    assert.equal(c.ddm["expire-threshold"], 5000);
    assert.equal(c.backends["nginx0-ams"]?.enabled, true);
    assert.equal(c.backends["nginx0-fra"]?.enabled, false);
    const pools = c.frontends["www-v4"]?.pools;
    assert.deepEqual(pools?.[0]?.backends, { "nginx0-ams": { weight: 50 }, static1: { weight: 100 } });
    assert.deepEqual(pools?.[1]?.backends, { "nginx0-fra": { weight: 100 } });
    assert.equal(c.frontends["www-v4"]?.["flush-on-down"], true);
    assert.equal(c.frontends["www-v4"]?.["src-ip-sticky"], false);
    assert.equal(c.dataplane.kind, "vpp");
  });

  it("accepts IPv4, bracketed IPv6 and host-name listen addresses", () => {
    assert.deepEqual(valid("api: { listen: '0.0.0.0:0' }").api.listen, { host: "0.0.0.0", port: 0 });
    assert.deepEqual(valid("api: { listen: 'localhost:9000' }").api.listen, {
      host: "localhost",
      port: 9000,
    });
    assert.deepEqual(valid("api: { listen: '[fe80::1]:1' }").api.listen, { host: "fe80::1", port: 1 });
  });
});

describe("config loader: every issue names file, line, column and key path", () => {
  it("a YAML syntax error names the file and line", () => {
    const i = only(invalid("api:\n  listen: [1\nbfd: {}\n", "CFG_E_YAML"));
    assert.equal(i.file, "t.yaml");
    assert.ok(i.line >= 2, `line ${i.line}`);
    assert.match(formatIssue(i), /^t\.yaml:\d+:\d+: /);
  });

  it("a duplicate key is a YAML error at the second occurrence", () => {
    const i = only(invalid("api: {}\ndataplane: {}\napi: {}\n", "CFG_E_YAML"));
    assert.equal(i.line, 3);
    assert.match(i.message, /unique/);
  });

  it("an unknown key is rejected, naming the key and its position", () => {
    const i = only(invalid("api:\n  listen: 127.0.0.1:1\n  bodylimit: 5\n"));
    assert.deepEqual([i.line, i.col, i.path], [3, 3, "api.bodylimit"]);
    assert.match(i.message, /unknown key "bodylimit".*body-limit/);
  });

  it("an unknown top-level section is rejected", () => {
    const i = only(invalid("bgp: {}\n"));
    assert.deepEqual([i.line, i.col, i.path], [1, 1, "bgp"]);
  });

  it("an unknown key deep inside a list names the full path", () => {
    const text = [
      "backends:",
      "  b1: { address: 10.0.0.1 }",
      "frontends:",
      "  web:",
      "    address: 192.0.2.1",
      "    pools:",
      "      - name: p",
      "        backends:",
      "          b1: { wieght: 5 }",
    ].join("\n");
    const i = only(invalid(text));
    assert.equal(i.path, "frontends.web.pools[0].backends.b1.wieght");
    assert.deepEqual([i.line, i.col], [9, 17]);
  });

  it("a wrong type names the path and what was found", () => {
    const text =
      "frontends:\n  web:\n    address: 192.0.2.1\n    pools:\n      - name: p\n        backends:\n          b1: { weight: ten }\n";
    const issues = invalid(text);
    const i = only(issues);
    assert.equal(i.path, "frontends.web.pools[0].backends.b1.weight");
    assert.deepEqual([i.line, i.col], [7, 25]);
    assert.equal(i.message, 'expected an integer, got "ten"');
    assert.equal(
      formatIssue(i),
      't.yaml:7:25 frontends.web.pools[0].backends.b1.weight: expected an integer, got "ten"',
    );
  });

  it("out-of-range numbers, bad enums and bad addresses are rejected", () => {
    const issues = invalid(
      [
        "api: { body-limit: 0 }",
        "dataplane: { kind: dpdk }",
        "backends:",
        "  b1: { address: 10.0.0.300 }",
        "healthchecks:",
        "  h: { type: tcp, port: 80, probe-ipv4-src: '2001:db8::1' }",
      ].join("\n"),
    );
    assert.deepEqual(
      issues.map((i) => [i.line, i.path, i.message]),
      [
        [1, "api.body-limit", "must be at least 1, got 0"],
        [2, "dataplane.kind", 'expected one of "memory", "vpp", got "dpdk"'],
        [4, "backends.b1.address", 'expected an IP address, got "10.0.0.300"'],
        [6, "healthchecks.h.probe-ipv4-src", "expected an IPv4 address, got IPv6 2001:db8::1"],
      ],
    );
  });

  it("a bad duration names the path and why", () => {
    const i = only(invalid("ddm:\n  solicit-interval: 2 seconds\n"));
    assert.deepEqual([i.line, i.col, i.path], [2, 21, "ddm.solicit-interval"]);
    assert.match(i.message, /duration/);
    const unit = only(invalid("healthchecks:\n  h: { type: icmp, interval: 2x }\n"));
    assert.equal(unit.path, "healthchecks.h.interval");
    assert.match(unit.message, /unknown unit "x"/);
    const zero = only(invalid("ddm: { exchange-timeout: 0ms }\n"));
    assert.equal(zero.message, "must be at least 1ms");
  });

  it("a bad listen address is explained", () => {
    assert.match(only(invalid("api: { listen: '::1:80' }")).message, /\[::1\]:PORT/);
    assert.match(only(invalid("api: { listen: '127.0.0.1:70000' }")).message, /out of range/);
    assert.match(only(invalid("api: { listen: '[10.0.0.1]:80' }")).message, /not an IPv6/);
  });

  it("a missing required key points at the object that lacks it", () => {
    const issues = invalid("frontends:\n  web:\n    port: 80\n");
    assert.deepEqual(
      issues.map((i) => [i.line, i.col, i.path, i.message]),
      [
        [2, 3, "frontends.web.address", 'missing required key "address"'],
        [2, 3, "frontends.web.pools", 'missing required key "pools"'],
      ],
    );
  });

  it('a list where a mapping belongs is reported plainly, not as key "0"', () => {
    const i = only(invalid("backends: [a, b]\n"));
    assert.deepEqual([i.path, i.message], ["backends", "expected a mapping, got a list"]);
    const root = only(invalid("- api\n"));
    assert.equal(root.path, "");
  });

  it("a null where a scalar belongs is a type error", () => {
    const i = only(invalid("dataplane:\n  socket:\n"));
    assert.equal(i.path, "dataplane.socket");
    assert.match(i.message, /expected a string, got null/);
  });

  it("a cross-reference error names the referencing key", () => {
    const i = only(invalid("backends:\n  b1:\n    address: 10.0.0.1\n    healthcheck: web\n"));
    assert.deepEqual([i.line, i.col, i.path], [4, 18, "backends.b1.healthcheck"]);
    assert.match(i.message, /healthcheck "web" is not defined/);
  });

  it("reports every issue, sorted by position, not just the first", () => {
    const issues = invalid("dataplane: { kind: x }\napi: { nope: 1 }\nddm: { kind: y }\n");
    assert.deepEqual(
      issues.map((i) => i.line),
      [1, 2, 3],
    );
  });

  it("an alias bomb is refused rather than expanded", () => {
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 8; i++)
      lines.push(
        `${"bcdefghij"[i]}: &${"bcdefghij"[i]} [${Array(10).fill(`*${"abcdefghij"[i]}`).join(", ")}]`,
      );
    const issues = invalid(lines.join("\n"), "CFG_E_YAML");
    assert.ok(issues.length >= 1);
  });
});

describe("config loader: files", () => {
  it("a missing file is CFG_E_READ naming the file, and loadConfigFile throws ConfigError", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mgn-cfg-"));
    try {
      const path = join(dir, "absent.yaml");
      const r = await readConfigFile(path);
      assert.ok(!r.ok);
      assert.equal(r.error.code, "CFG_E_READ");
      assert.equal(r.error.issues[0]?.file, path);
      assert.match(formatIssue(r.error.issues[0]!), /ENOENT/);
      await assert.rejects(
        loadConfigFile(path),
        (e: unknown) => e instanceof ConfigError && e.code === "CFG_E_READ",
      );
      await writeFile(join(dir, "bad.yaml"), "api: {listen: 1}\n");
      const bad = await readConfigFile(join(dir, "bad.yaml"));
      assert.ok(!bad.ok);
      assert.equal(bad.error.issues[0]?.file, join(dir, "bad.yaml"));
      assert.match(bad.error.message, /bad\.yaml:1:15 api\.listen: expected "HOST:PORT"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
