/**
 * maglev-vpp §10 regressions of the reconciler seen through the whole stack
 * (real health actors feeding the LB actors): 1 (restart black-hole) and 9
 * (a weight change waited for the 30 s sync). The pure-core versions of these
 * and the other LB bugs are in tests/unit/lb/regressions.test.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryLbDataplane } from "../../../dataplane/memory/memory-lb-dataplane.js";
import { hostVipKey, ip, type LbOp } from "../../../protocols/lb/index.js";
import { stack } from "./stack.js";

const CHECK =
  "{ type: tcp, port: 80, interval: 1s, fast-interval: 200ms, down-interval: 2s, timeout: 100ms, rise: 2, fall: 2 }";
const yaml = (warmup: string) => `
healthchecks:
  web: ${CHECK}
backends:
  a: { address: 10.0.0.1, healthcheck: web }
  b: { address: 10.0.0.2, healthcheck: web }
frontends:
  www: { address: 192.0.2.10, protocol: tcp, port: 80, pools: [ { name: p, backends: { a: {}, b: {} } } ] }
dataplane: { kind: memory, sync-interval: 30s, ${warmup} }
`;

describe("maglev-vpp §10 regressions: reconciler through the stack", () => {
  it("§10.1: a restart with every backend unknown leaves the serving VIP alone until they are known", async () => {
    // VPP survived the daemon's restart: the VIP is still serving at weight 100.
    const dp = new MemoryLbDataplane();
    await dp.start();
    const key = hostVipKey(ip("192.0.2.10"), 6, 80);
    const serving: LbOp[] = [
      { kind: "vip-add", key, encap: "gre4", srcIpSticky: false, flowTableLength: 1024, reason: "missing" },
      ...["10.0.0.1", "10.0.0.2"].map(
        (a): LbOp => ({ kind: "as-add", key, address: ip(a), weight: 100, flush: false, reason: "missing" }),
      ),
    ];
    assert.ok((await dp.apply(serving)).ok);
    dp.log.length = 0;
    const s = await stack(yaml("startup-min-delay: 5s, startup-max-delay: 30s"), { dp });
    try {
      // Probes answer slowly at first: both backends stay unknown for 6 s.
      s.prober.hang.add("10.0.0.1");
      s.prober.hang.add("10.0.0.2");
      await s.advance(6000, 250);
      assert.deepEqual(s.dp.log, [], "no write while backends are unknown (upstream zeroed every AS)");
      assert.equal(s.as("www", "10.0.0.1")?.weight, 100);
      // The slow probes finally pass: one pass from unknown is up (§3.2), which releases the VIP.
      s.prober.unhang();
      await s.advance(500, 100);
      assert.equal((await s.health.get("a"))?.state, "up");
      assert.equal((await s.health.get("b"))?.state, "up");
      assert.deepEqual(s.dp.log, [], "released with the weights it already had: still nothing to write");
      assert.equal((await s.lb.status()).warmup, "release");
    } finally {
      await s.stop();
    }
  });

  it("§10.9: a weight change (and its flush) reaches the dataplane at once, not at the next full sync", async () => {
    const s = await stack(yaml("startup-min-delay: 0s, startup-max-delay: 0s"));
    try {
      await s.advance(300);
      assert.equal(s.as("www", "10.0.0.2")?.weight, 100);
      s.dp.log.length = 0;
      const r = await s.lb.setWeight("www", "p", "b", 25, true);
      assert.ok(r.ok);
      await s.settle(); // no clock advance: the 30 s sync cannot be what applies it
      assert.deepEqual(
        s.dp.log.map((o) =>
          o.kind === "as-set-weight" ? `${o.address} w${o.weight} flush=${o.flush}` : o.kind,
        ),
        ["10.0.0.2 w25 flush=true"],
      );
      assert.equal(s.as("www", "10.0.0.2")?.weight, 25);
    } finally {
      await s.stop();
    }
  });
});
