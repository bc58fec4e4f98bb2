import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diffConfig } from "../../../api/config/diff.js";
import { formatIssue } from "../../../api/config/issue.js";
import { parseConfigText } from "../../../api/config/loader.js";
import type { Config } from "../../../api/config/schema.js";
import { backendSpecs, planHealthReload } from "../../../api/config/sections/backends.js";

function load(text: string): Config {
  const r = parseConfigText(text, "h.yaml");
  assert.ok(r.ok, r.ok ? "" : r.error.issues.map(formatIssue).join("\n"));
  return r.value;
}

function problems(text: string): string[] {
  const r = parseConfigText(text, "h.yaml");
  return r.ok ? [] : r.error.issues.map(formatIssue);
}

describe("healthchecks and backends sections (maglev-vpp.md §2.4, §2.5)", () => {
  it("decodes every key into the actors' BackendSpec, durations in milliseconds", () => {
    const c = load(`
healthchecks:
  web:
    type: https
    port: 8443
    interval: 2s
    fast-interval: 500ms
    down-interval: 10s
    timeout: 1s
    rise: 2
    fall: 3
    probe-ipv4-src: 192.0.2.254
    http: { path: /healthz, host: www.example.net, method: HEAD, expect-status: "200-299,301", body-regex: "ok", body-limit: 1024, verify: true, sni: www.example.net }
  db: { type: tcp, port: 5432, tcp: { send: "PING\\r\\n", expect: "+PONG", read-limit: 64 } }
backends:
  b1: { address: 198.51.100.10, healthcheck: web }
  b2: { address: 198.51.100.11, healthcheck: db, enabled: false }
  s1: { address: 198.51.100.12 }
`);
    assert.deepEqual(backendSpecs(c), [
      {
        name: "b1",
        address: "198.51.100.10",
        healthcheck: "web",
        enabled: true,
        check: {
          type: "https",
          port: 8443,
          interval: 2000,
          fastInterval: 500,
          downInterval: 10_000,
          timeout: 1000,
          rise: 2,
          fall: 3,
          sourceIpv4: "192.0.2.254",
          http: {
            path: "/healthz",
            host: "www.example.net",
            method: "HEAD",
            expectStatus: "200-299,301",
            bodyRegex: "ok",
            bodyLimit: 1024,
            verify: true,
            sni: "www.example.net",
          },
        },
      },
      {
        name: "b2",
        address: "198.51.100.11",
        healthcheck: "db",
        enabled: false,
        check: { type: "tcp", port: 5432, tcp: { send: "PING\r\n", expect: "+PONG", readLimit: 64 } },
      },
      { name: "s1", address: "198.51.100.12", healthcheck: undefined, enabled: true, check: undefined },
    ]);
  });

  it("rejects values the health core would refuse, at the key at fault", () => {
    const out = problems(`
healthchecks:
  a: { type: tcp, port: 80, interval: 1s, fast-interval: 2s }
  b: { type: http, port: 80, http: { expect-status: "200-99" } }
  c: { type: http, port: 80, http: { body-regex: "(" } }
  d: { type: icmp, rise: 1001 }
`);
    assert.equal(out.length, 4, out.join("\n"));
    assert.ok(
      out.some((l) => /healthchecks\.a\.fast-interval: fast-interval may not exceed interval/.test(l)),
    );
    assert.ok(out.some((l) => /healthchecks\.b\.http\.expect-status: invalid expected status list/.test(l)));
    assert.ok(out.some((l) => /healthchecks\.c\.http\.body-regex: /.test(l)));
    assert.ok(out.some((l) => /healthchecks\.d\.rise: rise must be an integer/.test(l)));
  });

  it("the parameter blocks are strict like every other section", () => {
    const out = problems("healthchecks:\n  e: { type: tcp, port: 80, tcp: { nope: 1 } }\n");
    assert.deepEqual(out, [
      'h.yaml:2:36 healthchecks.e.tcp.nope: unknown key "nope" (expected one of: send, expect, read-limit)',
    ]);
  });
});

describe("planHealthReload (§2.7, from the config diff)", () => {
  const BEFORE = `
healthchecks:
  web: { type: http, port: 80 }
  ping: { type: icmp }
backends:
  same: { address: 10.0.0.1, healthcheck: web }
  moved: { address: 10.0.0.2, healthcheck: web }
  toggled: { address: 10.0.0.3, healthcheck: web }
  swapped: { address: 10.0.0.4, healthcheck: web }
  pinged: { address: 10.0.0.5, healthcheck: ping }
  gone: { address: 10.0.0.6 }
`;
  it("starts added, stops removed, restarts changed checks, updates the rest in place", () => {
    const after = `
healthchecks:
  web: { type: http, port: 80 }
  ping: { type: icmp, interval: 5s }
backends:
  same: { address: 10.0.0.1, healthcheck: web }
  moved: { address: 10.0.0.22, healthcheck: web }
  toggled: { address: 10.0.0.3, healthcheck: web, enabled: false }
  swapped: { address: 10.0.0.4, healthcheck: ping }
  pinged: { address: 10.0.0.5, healthcheck: ping }
  fresh: { address: 10.0.0.7 }
`;
    const plan = planHealthReload(load(BEFORE), load(after), diffConfig(load(BEFORE), load(after)));
    assert.deepEqual(
      plan.start.map((s) => s.name),
      ["fresh"],
    );
    assert.deepEqual(plan.stop, ["gone"]);
    assert.deepEqual(plan.restart.map((s) => s.name).sort(), ["pinged", "swapped"]);
    assert.deepEqual(
      plan.update.map((u) => [u.spec.name, u.spec.address, u.enabledChanged]),
      [
        ["moved", "10.0.0.22", false],
        ["toggled", "10.0.0.3", true],
      ],
    );
  });

  it("an identical config plans nothing", () => {
    const plan = planHealthReload(load(BEFORE), load(BEFORE), diffConfig(load(BEFORE), load(BEFORE)));
    assert.deepEqual(plan, { start: [], restart: [], update: [], stop: [] });
  });
});
