import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatIssue } from "../../../api/config/issue.js";
import { parseConfigText } from "../../../api/config/loader.js";
import { defaultRules, type SemanticRule, validateSemantics } from "../../../api/config/semantics.js";

function problems(text: string, rules?: readonly SemanticRule[]): string[] {
  const r = parseConfigText(text, "s.yaml", rules === undefined ? {} : { rules });
  if (r.ok) return [];
  assert.equal(r.error.code, "CFG_E_INVALID");
  return r.error.issues.map(formatIssue);
}

const BACKENDS = `
backends:
  v4a: { address: 10.0.0.1 }
  v4b: { address: 10.0.0.2 }
  v6a: { address: "2001:db8::1" }
`;

describe("semantic rules", () => {
  it("a frontend naming an undefined backend is located at the pool member key", () => {
    const text = `${BACKENDS}frontends:
  web:
    address: 192.0.2.1
    pools:
      - name: p
        backends: { v4a: {} }
      - name: q
        backends:
          ghost: { weight: 1 }
`;
    assert.deepEqual(problems(text), [
      's.yaml:14:11 frontends.web.pools[1].backends.ghost: backend "ghost" is not defined',
    ]);
  });

  it("all backends of a frontend share one family", () => {
    const text = `${BACKENDS}frontends:
  mixed:
    address: 192.0.2.1
    pools:
      - { name: p, backends: { v4a: {}, v6a: {} } }
`;
    const [p, ...rest] = problems(text);
    assert.equal(rest.length, 0);
    assert.match(
      p ?? "",
      /frontends\.mixed\.pools\[0\]\.backends\.v6a: frontend "mixed" mixes IPv4 and IPv6/,
    );
  });

  it("frontends sharing a VIP must use backends of one family", () => {
    const text = `${BACKENDS}frontends:
  a: { address: 192.0.2.1, port: 80, pools: [{ name: p, backends: { v4a: {} } }] }
  b: { address: 192.0.2.1, port: 443, pools: [{ name: p, backends: { v6a: {} } }] }
  c: { address: 192.0.2.1, port: 8080, pools: [{ name: p, backends: { v4b: {} } }] }
`;
    const out = problems(text);
    assert.equal(out.length, 1);
    assert.match(out[0] ?? "", /frontends\.b\.address: VIP 192\.0\.2\.1 is shared with frontend "a"/);
  });

  it("duplicate pool names within a frontend are rejected", () => {
    const text = `${BACKENDS}frontends:
  a: { address: 192.0.2.1, pools: [{ name: p, backends: { v4a: {} } }, { name: p, backends: { v4b: {} } }] }
`;
    assert.match(problems(text)[0] ?? "", /frontends\.a\.pools\[1\]\.name: duplicate pool name "p"/);
  });

  it("tcp/http/https checks need a port; http parameters need an http type", () => {
    const out = problems(
      "healthchecks:\n  t: { type: tcp }\n  i: { type: icmp, http: { path: / } }\n  ok: { type: icmp }\n",
    );
    assert.deepEqual(out, [
      "s.yaml:2:3 healthchecks.t: a tcp health check needs a port",
      "s.yaml:3:20 healthchecks.i.http: http parameters need type http or https, not icmp",
    ]);
  });

  it("BFD peers: listen and peer share a family, and a peer address is configured once", () => {
    const peer = (p: string, l: string) =>
      `{ peer: "${p}", listen: "${l}", required-rx: 1s, detection-threshold: 3, mode: single-hop }`;
    const text = `bfd:\n  peers:\n    a: ${peer("10.0.0.1", "::")}\n    b: ${peer("10.0.0.2", "0.0.0.0")}\n    c: ${peer("10.0.0.2", "0.0.0.0")}\n`;
    const out = problems(text);
    assert.equal(out.length, 2);
    assert.match(
      out[0] ?? "",
      /bfd\.peers\.a\.listen: listen :: and peer 10\.0\.0\.1 are different address families/,
    );
    assert.match(out[1] ?? "", /bfd\.peers\.c\.peer: peer 10\.0\.0\.2 is already configured as "b"/);
  });

  it("empty names are rejected", () => {
    assert.match(problems(`backends:\n  "": { address: 10.0.0.1 }\n`)[0] ?? "", /names must not be empty/);
  });

  it("extra rules plug in through the hook, and run in order after the schema", () => {
    const noVpp: SemanticRule = (c, report) => {
      if (c.dataplane.kind === "vpp" && Object.keys(c.frontends).length === 0) {
        report(["dataplane", "kind"], "vpp without frontends");
      }
    };
    assert.deepEqual(problems("dataplane: { kind: vpp }\n", [...defaultRules, noVpp]), [
      "s.yaml:1:20 dataplane.kind: vpp without frontends",
    ]);
    assert.deepEqual(problems("dataplane: { kind: vpp }\n"), []);
  });

  it("validateSemantics works on a config built in code (no positions)", () => {
    const r = parseConfigText("backends:\n  b: { address: 10.0.0.1 }\n", "x");
    assert.ok(r.ok);
    const config = {
      ...r.value,
      backends: { b: { address: "10.0.0.1", enabled: true, healthcheck: "nope" } },
    };
    assert.deepEqual(validateSemantics(config), [
      {
        file: "<config>",
        line: 0,
        col: 0,
        path: "backends.b.healthcheck",
        message: 'healthcheck "nope" is not defined in healthchecks',
      },
    ]);
  });
});
