import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backendsToRestart, deepEqual, diffConfig, isEmptyDiff } from "../../../api/config/diff.js";
import { parseConfigText } from "../../../api/config/loader.js";
import type { Config } from "../../../api/config/schema.js";

function load(text: string): Config {
  const r = parseConfigText(text, "d.yaml");
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  return r.value;
}

const BEFORE = load(`
healthchecks:
  web: { type: http, port: 80, interval: 2s }
  ping: { type: icmp }
backends:
  a: { address: 10.0.0.1, healthcheck: web }
  b: { address: 10.0.0.2, healthcheck: ping }
  c: { address: 10.0.0.3 }
frontends:
  f1: { address: 192.0.2.1, pools: [{ name: p, backends: { a: {}, b: {} } }] }
  f2: { address: 192.0.2.2, pools: [{ name: p, backends: { c: {} } }] }
bfd:
  peers:
    s1: { peer: 10.1.0.1, listen: 0.0.0.0, required-rx: 1s, detection-threshold: 3, mode: single-hop }
`);

describe("diffConfig", () => {
  it("a config compared with itself (or an equivalent spelling) is unchanged", () => {
    assert.ok(isEmptyDiff(diffConfig(BEFORE, BEFORE)));
    // 2s and 2000ms decode to the same Millis; key order does not matter.
    const same = load(`
backends:
  c: { address: 10.0.0.3, enabled: true }
  b: { healthcheck: ping, address: 10.0.0.2 }
  a: { address: 10.0.0.1, healthcheck: web }
healthchecks:
  ping: { type: icmp }
  web: { type: http, port: 80, interval: 2000ms }
frontends:
  f2: { address: 192.0.2.2, port: 0, pools: [{ name: p, backends: { c: { weight: 100 } } }] }
  f1: { address: 192.0.2.1, pools: [{ name: p, backends: { b: {}, a: {} } }] }
bfd:
  peers:
    s1: { peer: 10.1.0.1, listen: 0.0.0.0, required-rx: 1000ms, detection-threshold: 3, mode: single-hop }
`);
    assert.ok(isEmptyDiff(diffConfig(BEFORE, same)));
  });

  it("classifies named objects as added, removed, changed and unchanged", () => {
    const after = load(`
healthchecks:
  web: { type: http, port: 80, interval: 5s }
  ping: { type: icmp }
backends:
  a: { address: 10.0.0.1, healthcheck: web }
  b: { address: 10.0.0.2, healthcheck: ping, enabled: false }
  d: { address: 10.0.0.4 }
frontends:
  f1: { address: 192.0.2.1, pools: [{ name: p, backends: { a: {}, b: { weight: 10 } } }] }
api: { listen: "127.0.0.1:1" }
bfd:
  peers:
    s2: { peer: 10.1.0.2, listen: 0.0.0.0, required-rx: 1s, detection-threshold: 3, mode: multi-hop }
`);
    const d = diffConfig(BEFORE, after);
    assert.deepEqual(d.healthchecks.objects, {
      added: [],
      removed: [],
      changed: ["web"],
      unchanged: ["ping"],
    });
    assert.deepEqual(d.backends.objects, { added: ["d"], removed: ["c"], changed: ["b"], unchanged: ["a"] });
    assert.deepEqual(d.frontends.objects, { added: [], removed: ["f2"], changed: ["f1"], unchanged: [] });
    assert.deepEqual(d.bfd.objects, { added: ["s2"], removed: ["s1"], changed: [], unchanged: [] });
    assert.equal(d.bfd.settingsChanged, false);
    assert.deepEqual(d.api, { changed: true, settingsChanged: true });
    assert.deepEqual(d.ddm, { changed: false, settingsChanged: false });
    assert.equal(d.dataplane.changed, false);
    assert.ok(!isEmptyDiff(d));
    // a: its health check changed; b: itself changed; d: new. c is removed, not restarted.
    assert.deepEqual(backendsToRestart(BEFORE, after, d), ["a", "b", "d"]);
  });

  it("a singleton section reports a change in any key", () => {
    const d = diffConfig(BEFORE, load("ddm: { interfaces: [eth0] }\n" + "dataplane: { kind: vpp }\n"));
    assert.equal(d.ddm.changed, true);
    assert.equal(d.dataplane.settingsChanged, true);
    assert.equal(d.ddm.objects, undefined);
  });
});

describe("deepEqual", () => {
  it("compares plain data structurally", () => {
    assert.ok(deepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }));
    assert.ok(!deepEqual({ a: [1, 2] }, { a: [2, 1] }));
    assert.ok(!deepEqual({ a: 1 }, { a: 1, b: undefined }));
    assert.ok(!deepEqual([], {}));
    assert.ok(!deepEqual(null, {}));
    assert.ok(deepEqual(Number.NaN, Number.NaN));
  });
});
