import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Micros } from "../../../protocols/common/time.js";
import { type ControlPacket, decode, encode } from "../../../protocols/bfd/packet.js";

const base: ControlPacket = {
  diag: 0,
  state: "Down",
  poll: false,
  final: false,
  controlPlaneIndependent: false,
  demand: false,
  multipoint: false,
  detectMult: 3,
  myDiscr: 0x01020304,
  yourDiscr: 0,
  desiredMinTx: 1_000_000 as Micros,
  requiredMinRx: 300_000 as Micros,
  requiredMinEchoRx: 0 as Micros,
  auth: null,
};

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

function decoded(bytes: Uint8Array): ControlPacket {
  const r = decode(bytes);
  assert.ok(r.ok, `expected ok, got ${JSON.stringify(r)}`);
  return r.value;
}

describe("bfd packet codec (RFC 5880 §4.1)", () => {
  it("§4.1: encodes the mandatory section byte for byte", () => {
    // 0x20 = vers 1, diag 0; 0x40 = state Down (1) << 6; mult 3; length 24.
    assert.equal(hex(encode(base)), "204003180102030400000000000f4240000493e000000000");
  });

  it("§4.1: places every flag bit and the state in byte 1", () => {
    const bits: [keyof ControlPacket, number][] = [
      ["poll", 0x20],
      ["final", 0x10],
      ["controlPlaneIndependent", 0x08],
      ["demand", 0x02],
      ["multipoint", 0x01],
    ];
    for (const [field, mask] of bits) {
      const b = encode({ ...base, state: "AdminDown", [field]: true });
      assert.equal(b[1], mask, field);
      assert.equal(decoded(b)[field], true);
    }
    for (const [i, state] of (["AdminDown", "Down", "Init", "Up"] as const).entries()) {
      const b = encode({ ...base, state });
      assert.equal(b[1], i << 6);
      assert.equal(decoded(b).state, state);
    }
  });

  it("§4.1: carries diag in the low five bits and keeps reserved codes", () => {
    for (const diag of [0, 1, 7, 8, 31]) {
      const b = encode({ ...base, diag });
      assert.equal(b[0], 0x20 | diag);
      assert.equal(decoded(b).diag, diag);
    }
  });

  it("§4.1: intervals are big-endian 32-bit microseconds", () => {
    const p = { ...base, desiredMinTx: 0xffffffff as Micros, requiredMinEchoRx: 50_000 as Micros };
    const b = encode(p);
    assert.equal(hex(b.subarray(12, 16)), "ffffffff");
    assert.equal(hex(b.subarray(20, 24)), "0000c350");
    assert.deepEqual(decoded(b), p);
  });

  it("§6.8.6 step 1: rejects a version other than 1", () => {
    const b = encode(base);
    b[0] = 0x40; // version 2
    assert.deepEqual(decode(b), { ok: false, error: { code: "BAD_VERSION", detail: 2 } });
    assert.equal(decode(Uint8Array.of(0x00)).ok, false);
  });

  it("§6.8.6 step 2: rejects Length below 24, or below 26 with the A bit", () => {
    const b = encode(base);
    b[3] = 23;
    assert.equal(errCode(b), "LENGTH_BELOW_MINIMUM");
    const a = encode(base);
    a[1] = (a[1] ?? 0) | 0x04;
    assert.equal(errCode(a), "LENGTH_BELOW_MINIMUM");
  });

  it("§6.8.6 step 3: rejects Length greater than the payload", () => {
    const b = encode(base);
    assert.equal(errCode(b.subarray(0, 23)), "LENGTH_EXCEEDS_PAYLOAD");
    assert.equal(errCode(b.subarray(0, 3)), "TRUNCATED");
    assert.equal(errCode(new Uint8Array(0)), "TRUNCATED");
  });

  it("ignores payload bytes beyond Length", () => {
    const b = new Uint8Array(30);
    b.set(encode(base));
    assert.deepEqual(decoded(b), base);
  });

  it("rejects a Length that does not match the sections present", () => {
    const b = new Uint8Array(30);
    b.set(encode(base));
    b[3] = 30;
    assert.equal(errCode(b), "LENGTH_MISMATCH");
  });

  it("§4.2: simple password section, 1 to 16 bytes", () => {
    for (const n of [1, 16]) {
      const password = new Uint8Array(n).fill(0x61);
      const p: ControlPacket = { ...base, auth: { type: "simple", keyId: 9, password } };
      const b = encode(p);
      assert.equal(b.length, 24 + 3 + n);
      assert.equal(b[1], 0x44); // Down + A
      assert.deepEqual([b[24], b[25], b[26]], [1, 3 + n, 9]);
      assert.deepEqual(decoded(b), p);
    }
    const bad = encode({ ...base, auth: { type: "simple", keyId: 1, password: Uint8Array.of(1) } });
    bad[25] = 3; // zero-length password
    bad[3] = 27;
    assert.equal(errCode(bad), "AUTH_LENGTH_INVALID");
  });

  it("§4.3/§4.4: MD5 sections are 24 bytes and SHA1 sections 28, with sequence and digest", () => {
    const cases = [
      ["keyed-md5", 2, 16],
      ["meticulous-md5", 3, 16],
      ["keyed-sha1", 4, 20],
      ["meticulous-sha1", 5, 20],
    ] as const;
    for (const [type, code, dl] of cases) {
      const digest = new Uint8Array(dl).map((_, i) => i + 1);
      const p: ControlPacket = { ...base, auth: { type, keyId: 200, sequence: 0xdeadbeef, digest } };
      const b = encode(p);
      assert.equal(b.length, 24 + 8 + dl);
      assert.deepEqual([b[24], b[25], b[26], b[27]], [code, 8 + dl, 200, 0]);
      assert.equal(hex(b.subarray(28, 32)), "deadbeef");
      assert.deepEqual(decoded(b), p);
      const wrongLen = Uint8Array.from(b);
      wrongLen[25] = code <= 3 ? 28 : 24;
      assert.equal(errCode(wrongLen), "AUTH_LENGTH_INVALID", type);
    }
  });

  it("§4.1: rejects reserved auth types 0 and 6+", () => {
    const b = encode({ ...base, auth: { type: "simple", keyId: 1, password: Uint8Array.of(1) } });
    for (const t of [0, 6, 255]) {
      b[24] = t;
      assert.equal(errCode(b), "AUTH_TYPE_UNKNOWN");
    }
  });

  it("does not alias the receive buffer", () => {
    const b = encode({ ...base, auth: { type: "simple", keyId: 1, password: Uint8Array.of(7) } });
    const p = decoded(b);
    b[27] = 8;
    assert.equal(p.auth?.type === "simple" && p.auth.password[0], 7);
  });
});

function errCode(b: Uint8Array): string {
  const r = decode(b);
  return r.ok ? "ok" : r.error.code;
}
