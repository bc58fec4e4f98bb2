/**
 * maglev-vpp §10 regressions of the operator actions (§3.5) and reload
 * (§2.7), through the whole path the daemon uses: config text → loader →
 * health actors → state bus → LB reconciler → dataplane.
 *
 * Bugs pinned here: 3 (enable after disable stuck), 15 (reload kept the old
 * address), 17 (pause/resume of a disabled backend), 18 (disabled vs
 * removed).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { millis } from "../../../protocols/common/time.js";
import { OPERATOR_TABLE } from "../../../protocols/health/index.js";
import type { BackendHealth } from "../../../protocols/health/index.js";
import { makeCore } from "../health/harness.js";
import { stack } from "./stack.js";

const CHECK =
  "{ type: tcp, port: 80, interval: 1s, fast-interval: 200ms, down-interval: 2s, timeout: 100ms, rise: 2, fall: 2 }";

/** One checked backend `a` (optionally more YAML on its line) behind frontend `www`. */
const yaml = (a = "address: 10.0.0.1", extraBackends = "", members = "a: {}, b: {}") => `
healthchecks:
  web: ${CHECK}
backends:
  a: { ${a}, healthcheck: web }
  b: { address: 10.0.0.2, healthcheck: web }
${extraBackends}
frontends:
  www:
    address: 192.0.2.10
    protocol: tcp
    port: 80
    pools:
      - name: primary
        backends: { ${members} }
dataplane:
  kind: memory
  startup-min-delay: 0s
  startup-max-delay: 0s
`;

describe("maglev-vpp §10 regressions: operator actions and reload", () => {
  it("§10.3: enable after disable is not stuck when a reload came in between", async () => {
    const s = await stack(yaml());
    try {
      await s.advance(300);
      assert.equal((await s.health.get("a"))?.state, "up");
      const off = await s.health.operate("a", "disable");
      assert.ok(off.ok && off.snapshot.state === "disabled" && !off.snapshot.enabled);
      await s.settle();
      assert.deepEqual(s.as("www", "10.0.0.1"), { weight: 0, flushed: true }, "disabled ⇒ weight 0 + flush");

      // Reload through the fast path (a's check unchanged; YAML `enabled` still its default true).
      await s.reload(yaml("address: 10.0.0.1, description: rack 3"));
      await s.reload(yaml("address: 10.0.0.1, description: rack 4"));
      const kept = await s.health.get("a");
      // The upstream symptom was "enabled, state is 'disabled'": the YAML record replaced the runtime flag.
      assert.equal(kept?.state, "disabled");
      assert.equal(kept?.enabled, false, "the operator's runtime flag survives the reload");

      const on = await s.health.operate("a", "enable");
      assert.ok(on.ok, "enable is accepted");
      assert.equal(on.snapshot.state, "unknown", "enable restarts probing; not an early return on the flag");
      assert.equal(on.snapshot.enabled, true);
      await s.advance(300);
      assert.equal((await s.health.get("a"))?.state, "up");
      assert.deepEqual(s.as("www", "10.0.0.1"), { weight: 100, flushed: false });
      assert.equal(s.admin.records.has("a"), false, "no override left behind");
    } finally {
      await s.stop();
    }
  });

  it("§10.3: enable/disable idempotency is keyed on the state, never on the enabled flag", () => {
    const core = makeCore(2, 2);
    const start = core.start(millis(0), { enabled: false }).state;
    // A state whose flag disagrees with its status (what upstream's reload produced).
    const skewed: BackendHealth = { ...start, enabled: true };
    assert.equal(skewed.status, "disabled");
    const enabled = core.step(skewed, { kind: "operator", action: "enable" }, millis(10));
    assert.equal(enabled.state.status, "unknown");
    assert.ok(
      enabled.actions.some((a) => a.kind === "arm-probe"),
      "probing restarts",
    );
    // And the converse: disable of a disabled backend whose flag says enabled only syncs the flag.
    const again = core.step(skewed, { kind: "operator", action: "disable" }, millis(10));
    assert.equal(again.state.status, "disabled");
    assert.equal(again.state.enabled, false);
    assert.deepEqual(again.actions, [], "no duplicate transition");
  });

  it("§10.15: a reload that changes only the address moves probes, the API and the AS to it", async () => {
    const s = await stack(yaml());
    try {
      await s.advance(300);
      const before = await s.health.get("a");
      assert.equal(before?.state, "up");
      await s.reload(yaml("address: 10.0.0.11"));
      const after = await s.health.get("a");
      assert.equal(after?.address, "10.0.0.11", "the API shows the new address");
      assert.equal(after?.state, "up", "fast path: state kept");
      assert.equal(after?.history.length, before?.history.length, "no transition");
      const frontend = await s.lb.get("www");
      assert.deepEqual(
        frontend?.pools.flatMap((p) => p.backends.map((m) => m.address)),
        ["10.0.0.11", "10.0.0.2"],
      );
      assert.equal(s.as("www", "10.0.0.1"), undefined, "the old AS is gone");
      assert.deepEqual(s.as("www", "10.0.0.11"), { weight: 100, flushed: false }, "no unknown window");
      const seen = s.prober.runs.length;
      await s.advance(2500);
      const later = s.prober.runs.slice(seen).filter((r) => r.address.startsWith("10.0.0.1"));
      assert.ok(later.length >= 2);
      assert.ok(
        later.every((r) => r.address === "10.0.0.11"),
        "probes go to the new address only",
      );
    } finally {
      await s.stop();
    }
  });

  it("§10.15: after an address reload, a crash-restarted backend actor still probes the new address", async () => {
    const s = await stack(yaml());
    try {
      await s.advance(300);
      await s.reload(yaml("address: 10.0.0.11"));
      // A probe implementation bug crashes the actor; supervision restarts it.
      s.prober.throwOnce.add("10.0.0.11");
      await s.advance(3000);
      assert.deepEqual(s.fatal, []);
      assert.equal((await s.health.get("a"))?.address, "10.0.0.11");
      const seen = s.prober.runs.length;
      await s.advance(2500);
      const later = s.prober.runs.slice(seen).filter((r) => r.address.startsWith("10.0.0.1"));
      assert.ok(later.length >= 1);
      assert.ok(
        later.every((r) => r.address === "10.0.0.11"),
        `probed ${[...new Set(later.map((r) => r.address))].join(", ")}`,
      );
    } finally {
      await s.stop();
    }
  });

  it("§10.17: pause and resume of a disabled backend are refused and change nothing", async () => {
    const s = await stack(yaml());
    try {
      await s.advance(300);
      assert.ok((await s.health.operate("a", "disable")).ok);
      const before = await s.health.get("a");
      const probes = s.prober.count("10.0.0.1");
      for (const action of ["pause", "resume"] as const) {
        const r = await s.health.operate("a", action);
        assert.ok(!r.ok);
        assert.equal(r.code, "HC_E_BACKEND_DISABLED", action);
      }
      await s.advance(2500);
      const after = await s.health.get("a");
      assert.equal(after?.state, "disabled");
      assert.equal(after?.enabled, false);
      assert.equal(after?.history.length, before?.history.length, "no transition recorded");
      assert.deepEqual(s.admin.records.get("a"), { action: "disable" }, "the persisted action is untouched");
      assert.equal(s.prober.count("10.0.0.1"), probes, "still not probed");
      assert.deepEqual(s.as("www", "10.0.0.1"), { weight: 0, flushed: true });
      // A backend disabled in the YAML is refused the same way.
      const cfg = await stack(yaml("address: 10.0.0.1, enabled: false"));
      try {
        const r = await cfg.health.operate("a", "pause");
        assert.ok(!r.ok && r.code === "HC_E_BACKEND_DISABLED");
      } finally {
        await cfg.stop();
      }
    } finally {
      await s.stop();
    }
  });

  it("§10.18: disabled and removed are two states: disabled stays and can come back, removed is gone", async () => {
    // The core: enable revives a disabled backend; a removed one refuses everything.
    assert.deepEqual(OPERATOR_TABLE.disabled.enable, { kind: "enter", to: "unknown", code: "enabled" });
    for (const action of ["pause", "resume", "disable", "enable"] as const)
      assert.deepEqual(OPERATOR_TABLE.removed[action], { kind: "reject", code: "HC_E_BACKEND_REMOVED" });

    const s = await stack(yaml());
    try {
      await s.advance(300);
      assert.ok((await s.health.operate("b", "disable")).ok);
      await s.settle();
      // disabled: still configured, listed, and its AS kept at weight 0 with its flows flushed (§4.2).
      assert.equal((await s.health.get("b"))?.state, "disabled");
      assert.deepEqual(s.as("www", "10.0.0.2"), { weight: 0, flushed: true });

      const states: string[] = [];
      const off = s.health.subscribe((e) => {
        if (e.name === "a") states.push(e.state);
      });
      await s.settle();
      // removed: the reload drops `a`; it is announced as `removed` and its AS is deleted.
      await s.reload(yaml("address: 10.0.0.1", "", "b: {}").replace(/ {2}a: \{[^\n]*\n/, ""));
      off();
      assert.deepEqual(states, ["up", "removed"]);
      assert.equal(await s.health.get("a"), undefined);
      assert.deepEqual(
        (await s.health.list()).map((b) => `${b.name}:${b.state}`),
        ["b:disabled"],
      );
      assert.equal(s.as("www", "10.0.0.1"), undefined, "removed ⇒ AS deleted");
      assert.deepEqual(s.as("www", "10.0.0.2"), { weight: 0, flushed: true }, "disabled ⇒ AS kept");
      const back = await s.health.operate("b", "enable");
      assert.ok(back.ok && back.snapshot.state === "unknown");
    } finally {
      await s.stop();
    }
  });
});
