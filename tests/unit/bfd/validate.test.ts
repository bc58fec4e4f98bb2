import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DISCARD_STEP, type DiscardCode } from "../../../protocols/bfd/errors.js";
import { type ControlPacket, encode } from "../../../protocols/bfd/packet.js";
import type { Discriminator } from "../../../protocols/bfd/types.js";
import {
  checkAuthPresence,
  checkTtl,
  parseReceived,
  type ReceivedPacket,
  selectSession,
} from "../../../protocols/bfd/validate.js";
import type { Micros } from "../../../protocols/common/time.js";

const good: ControlPacket = {
  diag: 0,
  state: "Up",
  poll: false,
  final: false,
  controlPlaneIndependent: false,
  demand: false,
  multipoint: false,
  detectMult: 3,
  myDiscr: 11,
  yourDiscr: 22,
  desiredMinTx: 300_000 as Micros,
  requiredMinRx: 300_000 as Micros,
  requiredMinEchoRx: 0 as Micros,
  auth: null,
};

function code(bytes: Uint8Array): DiscardCode | "ok" {
  const r = parseReceived(bytes);
  return r.ok ? "ok" : r.error.code;
}

function accepted(p: ControlPacket): ReceivedPacket {
  const r = parseReceived(encode(p));
  assert.ok(r.ok);
  return r.value;
}

describe("bfd receive validation (RFC 5880 §6.8.6)", () => {
  it("accepts a well-formed packet and keeps the raw Length bytes", () => {
    const bytes = new Uint8Array(40);
    bytes.set(encode(good));
    const r = parseReceived(bytes);
    assert.ok(r.ok);
    assert.equal(r.value.raw.length, 24);
    assert.equal(r.value.myDiscr, 11);
  });

  it("§6.8.6 step 1: discards when the version is not 1", () => {
    const b = encode(good);
    b[0] = 0x00;
    assert.equal(code(b), "BAD_VERSION");
  });

  it("§6.8.6 step 2: discards when Length < 24 (A clear) or < 26 (A set)", () => {
    const b = encode(good);
    b[3] = 20;
    assert.equal(code(b), "LENGTH_BELOW_MINIMUM");
    const a = encode(good);
    a[1] = (a[1] ?? 0) | 0x04;
    a[3] = 25;
    assert.equal(code(a), "LENGTH_BELOW_MINIMUM");
  });

  it("§6.8.6 step 3: discards when Length exceeds the payload", () => {
    assert.equal(code(encode(good).subarray(0, 20)), "LENGTH_EXCEEDS_PAYLOAD");
  });

  it("§6.8.6 step 4: discards when detect mult is zero", () => {
    assert.equal(code(encode({ ...good, detectMult: 0 })), "DETECT_MULT_ZERO");
  });

  it("§6.8.6 step 5: discards when the M bit is set", () => {
    assert.equal(code(encode({ ...good, multipoint: true })), "MULTIPOINT");
  });

  it("§6.8.6 step 6: discards when My Discriminator is zero", () => {
    assert.equal(code(encode({ ...good, myDiscr: 0 })), "MY_DISCR_ZERO");
  });

  it("§6.8.6 step 7: discards when Your Discriminator selects no session", () => {
    const p = accepted(good);
    const r = selectSession(
      p,
      (d) => (d === 99 ? "s" : undefined),
      () => "peer",
    );
    assert.deepEqual(r, { ok: false, error: { code: "YOUR_DISCR_UNKNOWN", detail: 22 } });
    assert.deepEqual(
      selectSession(
        p,
        (d) => (d === (22 as Discriminator) ? "s" : undefined),
        () => undefined,
      ),
      { ok: true, value: "s" },
    );
  });

  it("§6.8.6 step 8: discards Your Discriminator zero unless the sender is Down or AdminDown", () => {
    for (const state of ["Init", "Up"] as const) {
      assert.equal(code(encode({ ...good, yourDiscr: 0, state })), "YOUR_DISCR_ZERO_NOT_DOWN");
    }
    for (const state of ["Down", "AdminDown"] as const) {
      assert.equal(code(encode({ ...good, yourDiscr: 0, state })), "ok");
    }
  });

  it("§6.8.6 step 9: with Your Discriminator zero, selects by peer or discards", () => {
    const p = accepted({ ...good, yourDiscr: 0, state: "Down" });
    assert.deepEqual(
      selectSession(
        p,
        () => "wrong",
        () => "peer",
      ),
      { ok: true, value: "peer" },
    );
    const none = selectSession(
      p,
      () => "wrong",
      () => undefined,
    );
    assert.equal(!none.ok && none.error.code, "NO_SESSION");
  });

  it("§6.8.6 steps 10-11: the A bit must match the auth configuration", () => {
    const plain = accepted(good);
    const authed = accepted({ ...good, auth: { type: "simple", keyId: 1, password: Uint8Array.of(1) } });
    assert.equal(checkAuthPresence(plain, false).ok, true);
    assert.equal(checkAuthPresence(authed, true).ok, true);
    const a = checkAuthPresence(authed, false);
    assert.equal(!a.ok && a.error.code, "AUTH_UNEXPECTED");
    const m = checkAuthPresence(plain, true);
    assert.equal(!m.ok && m.error.code, "AUTH_MISSING");
  });

  it("RFC 5881 §5: single hop requires TTL 255; RFC 5883: multihop a configured minimum", () => {
    assert.equal(checkTtl(255, { kind: "single-hop" }).ok, true);
    assert.equal(checkTtl(254, { kind: "single-hop" }).ok, false);
    assert.equal(checkTtl(254, { kind: "multi-hop", minTtl: 254 }).ok, true);
    assert.equal(checkTtl(200, { kind: "multi-hop", minTtl: 254 }).ok, false);
    // Unobservable TTL (Node dgram): the kernel filters, the core accepts.
    assert.equal(checkTtl(undefined, { kind: "single-hop" }).ok, true);
  });

  it("§6.8.6: stops at the first failing check, in RFC order", () => {
    // A packet violating every packet-local rule reports the earliest one; fixing it reveals the next.
    const steps: [DiscardCode, (b: Uint8Array) => void][] = [
      ["BAD_VERSION", (b) => (b[0] = 0x20)],
      ["DETECT_MULT_ZERO", (b) => (b[2] = 3)],
      ["MULTIPOINT", (b) => (b[1] = (b[1] ?? 0) & ~0x01)],
      ["MY_DISCR_ZERO", (b) => (b[7] = 1)],
      ["YOUR_DISCR_ZERO_NOT_DOWN", (b) => (b[1] = 0x40)],
    ];
    const b = encode({ ...good, detectMult: 0, multipoint: true, myDiscr: 0, yourDiscr: 0, state: "Up" });
    b[0] = 0x40;
    let lastStep = 0;
    for (const [expected, fix] of steps) {
      assert.equal(code(b), expected);
      assert.ok(DISCARD_STEP[expected] > lastStep);
      lastStep = DISCARD_STEP[expected];
      fix(b);
    }
    assert.equal(code(b), "ok");
  });
});
