import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import {
  type AuthConfig,
  authConfig,
  nextXmitSeq,
  type RcvSeqState,
  seqStillKnown,
  sign,
  verify,
} from "../../../protocols/bfd/auth.js";
import type { AuthType, ControlPacket } from "../../../protocols/bfd/packet.js";
import { parseReceived, type ReceivedPacket } from "../../../protocols/bfd/validate.js";
import { type Micros, millis } from "../../../protocols/common/time.js";

const te = new TextEncoder();
const pkt: ControlPacket = {
  diag: 0,
  state: "Up",
  poll: false,
  final: false,
  controlPlaneIndependent: false,
  demand: false,
  multipoint: false,
  detectMult: 3,
  myDiscr: 0x11223344,
  yourDiscr: 0x55667788,
  desiredMinTx: 300_000 as Micros,
  requiredMinRx: 300_000 as Micros,
  requiredMinEchoRx: 0 as Micros,
  auth: null,
};

function cfg(type: AuthType, secret = "s3cret", id = 5): AuthConfig {
  const r = authConfig(type, [{ id, secret: te.encode(secret) }], id);
  assert.ok(r.ok);
  return r.value;
}

/**
 * Builds an authenticated packet by hand from the RFC 5880 §4.1/§4.3/§4.4 layout, independently of
 * the codec: mandatory section, then type, len, key id, reserved, sequence, digest.
 */
function handBuilt(type: 2 | 3 | 4 | 5, keyId: number, seq: number, secret: string): Uint8Array {
  const dl = type <= 3 ? 16 : 20;
  const b = Buffer.alloc(24 + 8 + dl);
  b[0] = 0x20; // version 1, diag 0
  b[1] = (3 << 6) | 0x04; // Up, A bit
  b[2] = 3;
  b[3] = b.length;
  b.writeUInt32BE(0x11223344, 4);
  b.writeUInt32BE(0x55667788, 8);
  b.writeUInt32BE(300_000, 12);
  b.writeUInt32BE(300_000, 16);
  b.writeUInt32BE(0, 20);
  b[24] = type;
  b[25] = 8 + dl;
  b[26] = keyId;
  b[27] = 0;
  b.writeUInt32BE(seq, 28);
  Buffer.from(secret).copy(b, 32); // key, zero-padded (the rest of the field is already 0)
  const digest = createHash(type <= 3 ? "md5" : "sha1")
    .update(b)
    .digest();
  digest.copy(b, 32);
  return new Uint8Array(b);
}

function rx(bytes: Uint8Array): ReceivedPacket {
  const r = parseReceived(bytes);
  assert.ok(r.ok, JSON.stringify(r));
  return r.value;
}

const unknown: RcvSeqState = { known: false, rcvSeq: 0 };
const digestTypes = [
  ["keyed-md5", 2],
  ["meticulous-md5", 3],
  ["keyed-sha1", 4],
  ["meticulous-sha1", 5],
] as const;

describe("bfd authentication (RFC 5880 §6.7)", () => {
  for (const [type, code] of digestTypes) {
    it(`§6.7.${code <= 3 ? 3 : 4}: ${type} signs exactly as the RFC layout computes`, () => {
      const signed = sign(pkt, cfg(type), 0xfffffffe);
      assert.deepEqual(signed.bytes, handBuilt(code, 5, 0xfffffffe, "s3cret"));
    });

    it(`§6.7.${code <= 3 ? 3 : 4}: ${type} verifies a hand-built packet and learns its sequence`, () => {
      const r = verify(rx(handBuilt(code, 5, 1000, "s3cret")), cfg(type), unknown);
      assert.deepEqual(r, { ok: true, value: { known: true, rcvSeq: 1000 } });
    });

    it(`§6.7: ${type} rejects a wrong key, an unknown key id and a tampered packet`, () => {
      const bad = verify(rx(handBuilt(code, 5, 1000, "wrong")), cfg(type), unknown);
      assert.deepEqual(bad, { ok: false, error: "AUTH_BAD_DIGEST" });
      const id = verify(rx(handBuilt(code, 6, 1000, "s3cret")), cfg(type), unknown);
      assert.deepEqual(id, { ok: false, error: "AUTH_KEY_UNKNOWN" });
      const tampered = handBuilt(code, 5, 1000, "s3cret");
      tampered[19] = 0x01; // Required Min RX changed after signing
      assert.deepEqual(verify(rx(tampered), cfg(type), unknown), { ok: false, error: "AUTH_BAD_DIGEST" });
    });
  }

  it("§6.7.3: keyed accepts a repeated sequence; meticulous rejects it as a replay", () => {
    const known: RcvSeqState = { known: true, rcvSeq: 1000 };
    assert.equal(verify(rx(handBuilt(2, 5, 1000, "s3cret")), cfg("keyed-md5"), known).ok, true);
    const replay = verify(rx(handBuilt(3, 5, 1000, "s3cret")), cfg("meticulous-md5"), known);
    assert.deepEqual(replay, { ok: false, error: "AUTH_SEQUENCE" });
    assert.equal(verify(rx(handBuilt(3, 5, 1001, "s3cret")), cfg("meticulous-md5"), known).ok, true);
  });

  it("§6.7.3: the window is 3 × Detect Mult ahead, modulo 2^32, and older numbers are replays", () => {
    const known: RcvSeqState = { known: true, rcvSeq: 0xfffffffe };
    // Detect Mult 3 → window of 9; 0xfffffffe + 9 wraps to 7.
    assert.equal(verify(rx(handBuilt(4, 5, 7, "s3cret")), cfg("keyed-sha1"), known).ok, true);
    const beyond = verify(rx(handBuilt(4, 5, 8, "s3cret")), cfg("keyed-sha1"), known);
    assert.deepEqual(beyond, { ok: false, error: "AUTH_SEQUENCE" });
    const old = verify(rx(handBuilt(5, 5, 0xfffffffd, "s3cret")), cfg("meticulous-sha1"), known);
    assert.deepEqual(old, { ok: false, error: "AUTH_SEQUENCE" });
  });

  it("§6.7.2: simple password matches type, key id and password", () => {
    const c = cfg("simple", "pw");
    const signed = sign(pkt, c, 0);
    assert.deepEqual([...signed.bytes.subarray(24)], [1, 5, 5, 0x70, 0x77]);
    assert.equal(verify(rx(signed.bytes), c, unknown).ok, true);
    const wrong = sign(pkt, cfg("simple", "px"), 0);
    assert.deepEqual(verify(rx(wrong.bytes), c, unknown), { ok: false, error: "AUTH_BAD_PASSWORD" });
    assert.deepEqual(verify(rx(signed.bytes), cfg("keyed-sha1"), unknown), {
      ok: false,
      error: "AUTH_TYPE_MISMATCH",
    });
  });

  it("§6.7.3: XmitAuthSeq increments per packet, circularly", () => {
    assert.equal(nextXmitSeq("meticulous-sha1", 0xffffffff), 0);
    assert.equal(nextXmitSeq("keyed-md5", 41), 42);
    assert.equal(nextXmitSeq("simple", 41), 41);
  });

  it("§6.8.1: AuthSeqKnown resets after twice the Detection Time without packets", () => {
    const known: RcvSeqState = { known: true, rcvSeq: 9 };
    assert.equal(seqStillKnown(known, millis(1000), 900, millis(2799)).known, true);
    assert.equal(seqStillKnown(known, millis(1000), 900, millis(2800)).known, false);
  });

  it("rejects bad auth configs at the edge", () => {
    const key = { id: 1, secret: new Uint8Array(21) };
    const long = authConfig("keyed-sha1", [key], 1);
    assert.equal(!long.ok && long.error.code, "BFD_E_AUTH_SECRET_LENGTH");
    const md5 = authConfig("keyed-md5", [{ id: 1, secret: new Uint8Array(17) }], 1);
    assert.equal(!md5.ok && md5.error.code, "BFD_E_AUTH_SECRET_LENGTH");
    const tx = authConfig("simple", [{ id: 1, secret: Uint8Array.of(1) }], 2);
    assert.equal(!tx.ok && tx.error.code, "BFD_E_AUTH_TX_KEY_UNKNOWN");
    const one = { id: 1, secret: Uint8Array.of(1) };
    const dup = authConfig("simple", [one, one], 1);
    assert.equal(!dup.ok && dup.error.code, "BFD_E_AUTH_KEY_ID");
    assert.equal(authConfig("simple", [], 1).ok, false);
  });
});
