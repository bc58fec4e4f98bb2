/**
 * Two magnetite daemons in network namespaces joined by a veth pair (root; skipped elsewhere,
 * a failure in CI): IPv4 and IPv6 sessions reach Up over the REST API; a packet with TTL 254 is
 * dropped and counted (RFC 5881 §5); a junk flood on one listener does not disturb a session on
 * another; deleting a peer takes the other side Down at once (AdminDown announced).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { skipUnless } from "../../support/env.js";
import { inNs, NetnsLab } from "../../support/netns.js";
import { BfdDaemon, sendForged, waitFor } from "./lab.js";

const skip = skipUnless({ root: true, commands: ["ip"] });
const timers = { required_rx: 100_000, detection_threshold: 3, mode: "SingleHop" };

describe("two magnetite daemons over a veth pair", { skip }, () => {
  const lab = new NetnsLab();
  let nsA = "";
  let nsB = "";
  let a: BfdDaemon | undefined;
  let b: BfdDaemon | undefined;
  const A = () => a as BfdDaemon;
  const B = () => b as BfdDaemon;

  before(async () => {
    nsA = lab.addNamespace("mgba");
    nsB = lab.addNamespace("mgbb");
    lab.addVeth(nsA, "a0", nsB, "b0");
    for (const [ns, dev, last] of [
      [nsA, "a0", "1"],
      [nsB, "b0", "2"],
    ] as const) {
      inNs(ns, "ip", "addr", "add", `10.80.0.${last}/24`, "dev", dev);
      inNs(ns, "ip", "addr", "add", `10.80.1.${last}/24`, "dev", dev);
      inNs(ns, "ip", "addr", "add", `fd80::${last}/64`, "dev", dev, "nodad");
    }
    a = await BfdDaemon.start(nsA);
    b = await BfdDaemon.start(nsB);
    await A().addPeer({ peer: "10.80.0.2", listen: "10.80.0.1", ...timers });
    await B().addPeer({ peer: "10.80.0.1", listen: "10.80.0.2", ...timers });
    await A().addPeer({ peer: "10.80.1.2", listen: "10.80.1.1", ...timers });
    await B().addPeer({ peer: "10.80.1.1", listen: "10.80.1.2", ...timers });
    await A().addPeer({ peer: "fd80::2", listen: "fd80::1", ...timers });
    await B().addPeer({ peer: "fd80::1", listen: "::", ...timers });
  });

  after(async () => {
    await a?.stop();
    await b?.stop();
    lab.destroy();
  });

  it("IPv4 and IPv6 sessions reach Up on both sides with the negotiated 100 ms timers", async () => {
    for (const [d, peer] of [
      [A(), "10.80.0.2"],
      [B(), "10.80.0.1"],
      [A(), "fd80::2"],
      [B(), "fd80::1"],
    ] as const) {
      const p = await waitFor(
        `${peer} Up`,
        async () => {
          const s = await d.peer(peer);
          return s.state === "Up" ? s : undefined;
        },
        8000,
      );
      assert.equal(p.status.remote_state, "Up");
      assert.ok(p.source_port !== null && p.source_port >= 49152 && p.source_port <= 65535);
    }
    const p = await waitFor(
      "the Poll after Up to finish",
      async () => {
        const s = await A().peer("10.80.0.2");
        return s.status.tx_interval_us === 100_000 && !s.poll_in_progress ? s : undefined;
      },
      5000,
    );
    assert.equal(p.status.detection_time_us, 300_000);
  });

  it("drops and counts a packet that arrives with TTL 254 (RFC 5881 §5)", async () => {
    const before = await A().peer("10.80.0.2");
    sendForged(
      nsB,
      4,
      "10.80.0.1",
      {
        myDiscr: before.status.remote_discriminator,
        yourDiscr: before.status.local_discriminator,
        state: "Down",
      },
      254,
    );
    const after = await waitFor(
      "the TTL drop to be counted",
      async () => {
        const s = await A().peer("10.80.0.2");
        return (s.counters.drops["TTL"] ?? 0) >= 1 ? s : undefined;
      },
      3000,
    );
    assert.equal(after.state, "Up");
    assert.equal(after.counters.flaps, before.counters.flaps);
  });

  it("a junk flood on one listener does not disturb a session on another", async () => {
    const other = await A().peer("10.80.1.2");
    const victim = await A().peer("10.80.0.2");
    // A separate process floods 10.80.0.1:3784 with undecodable datagrams: 25k per second for
    // 2 s, about 400 times the legitimate rate here. (An unbounded flood from a second process
    // on this 2-core box saturates the kernel's per-CPU backlog, which drops legitimate packets
    // before any socket; that is the kernel's limit, not the daemon's, so the test stays below it.)
    const script = `
      const s = require("node:dgram").createSocket("udp4");
      const junk = Buffer.from([0x20, 0x00, 0x03, 0x18]);
      const end = Date.now() + 2000; let n = 0;
      const t = setInterval(() => { for (let i = 0; i < 250; i++) { s.send(junk, 3784, "10.80.0.1"); n++; }
        if (Date.now() >= end) { clearInterval(t); setTimeout(() => { console.log(n); s.close(); }, 50); } }, 10);`;
    const child = spawn("ip", ["netns", "exec", nsB, process.execPath, "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    await new Promise<void>((resolve) => child.on("exit", () => resolve()));
    const sent = Number(out.trim());
    assert.ok(sent > 20_000, `flood sent ${sent}`);
    const other2 = await A().peer("10.80.1.2");
    const victim2 = await A().peer("10.80.0.2");
    assert.equal(other2.state, "Up");
    assert.equal(other2.counters.transitions, other.counters.transitions, "no transition during the flood");
    assert.ok(
      other2.counters.control_packets_received - other.counters.control_packets_received >= 10,
      "the other session kept receiving at its rate",
    );
    assert.equal(victim2.state, "Up");
    assert.equal(victim2.counters.transitions, victim.counters.transitions);
    const m = await A().metrics();
    const drops =
      /magnetite_bfd_listener_dropped_total\{listener="10\.80\.0\.1\|3784",reason="LENGTH_EXCEEDS_PAYLOAD"\} (\d+)/.exec(
        m,
      );
    assert.ok(drops !== null && Number(drops[1]) > sent * 0.9, `listener drops: ${drops?.[1]} of ${sent}`);
  });

  it("deleting a peer on one side takes the other side Down at once, with diag 3", async () => {
    const t0 = performance.now();
    const r = await A().request("DELETE", "/bfd/peers/fd80::2");
    assert.equal(r.status, 204);
    const s = await waitFor(
      "B to see the AdminDown",
      async () => {
        const p = await B().peer("fd80::1");
        return p.state === "Down" ? p : undefined;
      },
      2000,
      10,
    );
    assert.ok(performance.now() - t0 < 300, "well inside the 300 ms Detection Time");
    assert.equal(s.status.local_diag, 3);
    assert.equal(s.status.remote_state, "AdminDown");
  });
});
