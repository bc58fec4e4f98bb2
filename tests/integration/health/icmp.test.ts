/**
 * ICMP probes over the dgram-extended pinger inside namespaces this test
 * builds: `a` (where probes run) ── veth ── `b` (the backend). A peer that
 * answers is up; an on-link address nobody owns times out; an address with
 * no route at all is unreachable at once.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { BackendSpec } from "../../../actors/health/types.js";
import { type ClosablePinger, createIcmpPinger } from "../../../dataplane/probes/index.js";
import { skipUnless } from "../../support/env.js";
import { inNs, NetnsLab } from "../../support/netns.js";
import { realService } from "./support.js";

const skip = skipUnless({ root: true, commands: ["ip"] });

const icmp = (name: string, address: string): BackendSpec => ({
  name,
  address,
  healthcheck: "ping",
  check: {
    type: "icmp",
    interval: 100,
    fastInterval: 50,
    downInterval: 30_000,
    timeout: 200,
    rise: 2,
    fall: 3,
  },
  enabled: true,
});

describe("ICMP probes in a namespace", { skip }, () => {
  const lab = new NetnsLab();
  let a = "";
  let pinger: ClosablePinger | undefined;
  before(() => {
    a = lab.addNamespace("hca");
    const b = lab.addNamespace("hcb");
    lab.addVeth(a, "eth0", b, "eth0");
    inNs(a, "ip", "addr", "add", "10.79.0.1/24", "dev", "eth0");
    inNs(b, "ip", "addr", "add", "10.79.0.2/24", "dev", "eth0");
    pinger = createIcmpPinger({ netns: a, maxWaitMs: 500 });
  });
  after(() => {
    pinger?.close();
    lab.destroy();
  });

  it("echo from a peer is up; nobody on the link is down (timeout); no route is down (unreachable)", async () => {
    if (pinger === undefined) assert.fail("no pinger");
    const t = realService(
      [icmp("peer", "10.79.0.2"), icmp("nobody", "10.79.0.99"), icmp("noroute", "203.0.113.7")],
      pinger,
    );
    try {
      await t.until("peer", "up");
      const nobody = await t.until("nobody", "down");
      assert.equal(nobody.transition?.code, "timeout");
      const noroute = await t.until("noroute", "down");
      assert.equal(noroute.transition?.code, "unreachable");
      assert.match(noroute.transition?.detail ?? "", /ENETUNREACH/);
    } finally {
      await t.close();
    }
  });
});
