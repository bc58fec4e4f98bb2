import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatIssue } from "../../../api/config/issue.js";
import { defaultConfig, parseConfigText } from "../../../api/config/loader.js";
import type { Config } from "../../../api/config/schema.js";
import { lbSettings } from "../../../api/config/sections/dataplane.js";
import { frontendSpecs } from "../../../api/config/sections/frontends.js";

function load(text: string): Config {
  const r = parseConfigText(text, "lb.yaml");
  if (!r.ok) throw new Error(r.error.issues.map(formatIssue).join("\n"));
  return r.value;
}

function problems(text: string): string[] {
  const r = parseConfigText(text, "lb.yaml");
  return r.ok ? [] : r.error.issues.map(formatIssue);
}

const BACKENDS = `backends:
  a: { address: 10.0.0.1 }
  b: { address: "2001:db8:0:0::2" }
  c: { address: 10.0.0.3 }
`;

describe("lb config: dataplane section", () => {
  it("documents defaults: memory, api.sock, 30s drift sync, 5s/30s warmup, no lb_conf", () => {
    const d = defaultConfig().dataplane;
    assert.deepEqual(
      [d.kind, d.socket, d["sync-interval"], d["startup-min-delay"], d["startup-max-delay"]],
      ["memory", "/run/vpp/api.sock", 30_000, 5_000, 30_000],
    );
    assert.deepEqual(lbSettings(d), {
      syncIntervalMs: 30_000,
      warmup: { minDelay: 5_000, maxDelay: 30_000 },
      conf: {},
    });
  });

  it("decodes every key, lb_conf included", () => {
    const c = load(`dataplane:
  kind: vpp
  socket: /tmp/x.sock
  sync-interval: 10s
  startup-min-delay: 0s
  startup-max-delay: 2s
  ipv4-src-address: 192.0.2.254
  ipv6-src-address: "2001:db8::fe"
  sticky-buckets-per-core: 65536
  flow-timeout: 40s
`);
    assert.deepEqual(lbSettings(c.dataplane), {
      syncIntervalMs: 10_000,
      warmup: { minDelay: 0, maxDelay: 2_000 },
      conf: {
        ip4SrcAddress: "192.0.2.254",
        ip6SrcAddress: "2001:db8::fe",
        stickyBucketsPerCore: 65536,
        flowTimeoutSeconds: 40,
      },
    });
  });

  it("rejects lb_conf values VPP refuses and inverted warmup bounds, by key", () => {
    const out = problems(
      "dataplane: { sticky-buckets-per-core: 1000, flow-timeout: 1500ms, startup-min-delay: 40s }\n",
    );
    assert.equal(out.length, 3);
    assert.ok(out.some((l) => /dataplane\.sticky-buckets-per-core: 1000 is not a power of two/.test(l)));
    assert.ok(out.some((l) => /dataplane\.flow-timeout: must be a whole number of seconds/.test(l)));
    assert.ok(out.some((l) => /dataplane\.startup-min-delay: must not exceed startup-max-delay/.test(l)));
    assert.match(
      problems("dataplane: { flow-timeout: 121s }\n")[0] ?? "",
      /flow-timeout: must be at most 2m1s|at most/,
    );
    assert.match(problems("dataplane: { ipv4-src-address: '::1' }\n")[0] ?? "", /expected an IPv4 address/);
  });
});

describe("lb config: frontends section", () => {
  it("resolves backends to canonical addresses, maps protocols and keeps pool order", () => {
    const c = load(`${BACKENDS}frontends:
  web:
    address: 192.0.2.1
    protocol: tcp
    port: 80
    pools:
      - name: primary
        backends: { a: { weight: 40 }, c: }
      - name: fallback
        backends: { c: {} }
  dns:
    address: "2001:db8::53"
    protocol: udp
    port: 53
    src-ip-sticky: true
    flush-on-down: false
    pools: [{ name: p, backends: { b: {} } }]
`);
    const specs = frontendSpecs(c.frontends, c.backends);
    assert.deepEqual(
      specs.map((s) => s.name),
      ["dns", "web"],
    );
    assert.deepEqual(specs[0], {
      name: "dns",
      address: "2001:db8::53",
      protocol: 17,
      port: 53,
      srcIpSticky: true,
      flushOnDown: false,
      pools: [{ name: "p", members: [{ backend: "b", address: "2001:db8::2", weight: 100 }] }],
    });
    assert.deepEqual(
      specs[1]?.pools.map((p) => p.members.map((m) => `${m.backend}@${m.address}/${m.weight}`)),
      [["a@10.0.0.1/40", "c@10.0.0.3/100"], ["c@10.0.0.3/100"]],
    );
  });

  it("refuses two frontends on one VIP key (canonical address) and all-port next to per-port", () => {
    const out = problems(`${BACKENDS}frontends:
  one: { address: "2001:db8::1", protocol: tcp, port: 80, pools: [{ name: p, backends: { b: {} } }] }
  two: { address: "2001:db8:0::1", protocol: tcp, port: 80, pools: [{ name: p, backends: { b: {} } }] }
  all: { address: 192.0.2.9, pools: [{ name: p, backends: { a: {} } }] }
  web: { address: 192.0.2.9, protocol: tcp, port: 443, pools: [{ name: p, backends: { a: {} } }] }
`);
    assert.equal(out.length, 2, out.join("\n"));
    assert.match(
      out.join("\n"),
      /frontends\.two\.address: frontend "one" already uses VIP 2001:db8::1 port 80/,
    );
    assert.match(
      out.join("\n"),
      /frontends\.web\.port: VIP 192\.0\.2\.9 cannot be both all-ports and per-port/,
    );
  });
});
