/**
 * Interop with FRR bfdd (Debian frr 8.4.4) in network namespaces (root and FRR; skipped
 * elsewhere, a failure in CI): Up on both sides; FRR's timer change is reflected in our
 * negotiated values (RFC 5880 §6.8.2–6.8.4, via FRR's Poll); FRR killed → we report Down within
 * the Detection Time plus a small tolerance; FRR back → Up; our PATCH completes a Poll with FRR;
 * our admin down shows in FRR; a TTL-254 packet is dropped and counted.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { skipUnless } from "../../support/env.js";
import { inNs, NetnsLab } from "../../support/netns.js";
import { Frr, type FrrPeer } from "./frr.js";
import { BfdDaemon, sendForged, waitFor } from "./lab.js";

const frrInstalled = existsSync("/usr/lib/frr/bfdd") && existsSync("/usr/lib/frr/zebra");
const skip =
  skipUnless({ root: true, commands: ["ip", "vtysh"] }) || (frrInstalled ? false : "needs /usr/lib/frr/bfdd");

const US = "10.81.0.1";
const THEM = "10.81.0.2";
/** Our side of the session, as `PUT /bfd/peers` takes it. */
const OUR_PEER = { peer: THEM, listen: US, required_rx: 100_000, detection_threshold: 3, mode: "SingleHop" };

function frrConfig(): string {
  return [
    "frr defaults traditional",
    "hostname mgt-frr",
    "!",
    "bfd",
    ` peer ${US} local-address ${THEM}`,
    "  receive-interval 300",
    "  transmit-interval 300",
    "  detect-multiplier 3",
    "  no shutdown",
    " !",
    "!",
    "",
  ].join("\n");
}

describe("interop with FRR bfdd", { skip }, () => {
  const lab = new NetnsLab();
  let nsUs = "";
  let nsFrr = "";
  let frr: Frr | undefined;
  let us: BfdDaemon | undefined;
  const U = () => us as BfdDaemon;
  const F = () => frr as Frr;
  const frrPeer = (): FrrPeer | undefined =>
    F()
      .peers()
      .find((p) => p.peer === US);
  const ours = () => U().peer(THEM);
  /** FRR's peer goes Down because we said AdminDown (§6.8.6), not because it timed us out. */
  const frrSeesAdminDown = async (): Promise<void> => {
    const p = await waitFor(
      "FRR to see the session go down",
      async () => (frrPeer()?.status === "down" ? frrPeer() : undefined),
      3000,
    );
    assert.equal(p["remote-diagnostic"], "administratively down");
    assert.equal(p.diagnostic, "neighbor signaled session down");
  };

  before(async () => {
    nsUs = lab.addNamespace("mgfu");
    nsFrr = lab.addNamespace("mgff");
    lab.addVeth(nsUs, "u0", nsFrr, "f0");
    inNs(nsUs, "ip", "addr", "add", `${US}/24`, "dev", "u0");
    inNs(nsFrr, "ip", "addr", "add", `${THEM}/24`, "dev", "f0");
    frr = new Frr(nsFrr, frrConfig());
    await F().start();
    us = await BfdDaemon.start(nsUs);
    await U().addPeer(OUR_PEER);
  });

  after(async () => {
    await us?.stop();
    await frr?.stop();
    lab.destroy();
  });

  it("reaches Up on both sides with negotiated timers", async () => {
    await waitFor("FRR up", async () => (frrPeer()?.status === "up" ? true : undefined), 10_000, 100);
    const s = await waitFor(
      "our negotiated timers",
      async () => {
        const p = await ours();
        return p.state === "Up" && p.status.tx_interval_us === 300_000 && !p.poll_in_progress ? p : undefined;
      },
      5000,
    );
    // §6.8.7: TX = max(our 100 ms, FRR's 300 ms RX); §6.8.4: 3 × max(our 100 ms RX, FRR's 300 ms TX).
    assert.equal(s.status.detection_time_us, 900_000);
    assert.equal(s.remote.detect_mult, 3);
    assert.equal(frrPeer()?.["remote-receive-interval"], 100);
  });

  it("reflects FRR's timer change in our negotiated values", async () => {
    F().vtysh(
      "configure terminal",
      "bfd",
      `peer ${US} local-address ${THEM}`,
      "transmit-interval 200",
      "receive-interval 250",
    );
    const s = await waitFor(
      "new negotiated timers",
      async () => {
        const p = await ours();
        return p.status.tx_interval_us === 250_000 && p.status.detection_time_us === 600_000 ? p : undefined;
      },
      5000,
    );
    assert.equal(s.state, "Up");
    assert.equal(s.remote.desired_min_tx_us, 200_000);
  });

  it("reports Down within the Detection Time of FRR being killed, and Up when it is back", async () => {
    const before = await ours();
    const killedAt = performance.now();
    await F().killBfdd();
    const down = await waitFor(
      "Down",
      async () => {
        const p = await ours();
        return p.state === "Down" ? p : undefined;
      },
      3000,
      10,
    );
    const last = down.history.at(-1);
    assert.ok(last !== undefined);
    assert.equal(last.reason, "detection-expired");
    assert.equal(down.status.local_diag, 1);
    // The transition happened `ago_ms` before the snapshot; 600 ms Detection Time + 100 ms tolerance.
    const detectedAfter = performance.now() - last.ago_ms - killedAt;
    assert.ok(detectedAfter <= 700, `Down ${Math.round(detectedAfter)} ms after the kill`);
    assert.equal(down.counters.flaps, before.counters.flaps + 1);
    await F().startBfdd();
    await waitFor("Up again", async () => ((await ours()).state === "Up" ? true : undefined), 10_000, 100);
    await waitFor("FRR up again", async () => (frrPeer()?.status === "up" ? true : undefined), 5000, 100);
  });

  it("a PATCH of our timers completes a Poll with FRR", async () => {
    const before = await waitFor(
      "no Poll running",
      async () => {
        const p = await ours();
        return p.poll_in_progress ? undefined : p;
      },
      5000,
    );
    await U().patch(THEM, { desired_tx: 150_000 });
    const after = await waitFor(
      "the Poll to complete",
      async () => {
        const p = await ours();
        return p.counters.polls_completed > before.counters.polls_completed && !p.poll_in_progress
          ? p
          : undefined;
      },
      5000,
    );
    assert.equal(after.state, "Up");
    assert.equal(after.options.desired_tx, 150_000);
    await waitFor(
      "FRR to see 150 ms",
      async () => (frrPeer()?.["remote-transmit-interval"] === 150 ? true : undefined),
      3000,
    );
  });

  it("our admin down shows in FRR, and admin up brings the session back", async () => {
    await U().patch(THEM, { admin_down: true });
    await frrSeesAdminDown();
    assert.equal((await ours()).state, "AdminDown");
    await U().patch(THEM, { admin_down: false });
    await waitFor(
      "Up after admin up",
      async () => ((await ours()).state === "Up" ? true : undefined),
      10_000,
      100,
    );
  });

  it("drops and counts a packet with TTL 254 from FRR's side", async () => {
    const s = await ours();
    sendForged(
      nsFrr,
      4,
      US,
      { myDiscr: s.status.remote_discriminator, yourDiscr: s.status.local_discriminator, state: "Down" },
      254,
    );
    const after = await waitFor(
      "the TTL drop",
      async () => {
        const p = await ours();
        return (p.counters.drops["TTL"] ?? 0) >= 1 ? p : undefined;
      },
      3000,
    );
    assert.equal(after.state, "Up");
  });

  it("deleting the peer shows in FRR as AdminDown, not as a detection timeout; re-adding brings it Up", async () => {
    await waitFor("Up", async () => ((await ours()).state === "Up" ? true : undefined), 10_000, 100);
    const r = await U().request("DELETE", `/bfd/peers/${THEM}`);
    assert.equal(r.status, 204);
    await frrSeesAdminDown();
    await U().addPeer(OUR_PEER);
    await waitFor(
      "Up after re-adding",
      async () => (frrPeer()?.status === "up" ? true : undefined),
      10_000,
      100,
    );
  });

  it("stopping our daemon announces AdminDown, so FRR does not time the session out", async () => {
    await waitFor("Up", async () => ((await ours()).state === "Up" ? true : undefined), 10_000, 100);
    await U().stop();
    us = undefined;
    await frrSeesAdminDown();
  });
});
