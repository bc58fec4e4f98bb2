import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type AuthConfig, authConfig } from "../../../protocols/bfd/auth.js";
import type { AuthType } from "../../../protocols/bfd/packet.js";
import { config, Driver, ofKind, peer, received } from "./harness.js";

function auth(type: AuthType, secret: string): AuthConfig {
  const r = authConfig(type, [{ id: 1, secret: new TextEncoder().encode(secret) }], 1);
  assert.ok(r.ok);
  return r.value;
}

/** Two sessions addressed to each other (discriminators 1 and 2). */
function pair(a: AuthConfig, b: AuthConfig): [Driver, Driver] {
  return [new Driver(config({ localDiscr: 1, auth: a })), new Driver(config({ localDiscr: 2, auth: b }))];
}

function lastBytes(d: Driver): Uint8Array {
  const s = d.sent().at(-1);
  assert.ok(s);
  return s.bytes;
}

describe("bfd session authentication (RFC 5880 §6.7, §6.8.6 steps 10-12)", () => {
  for (const type of ["simple", "keyed-md5", "meticulous-md5", "keyed-sha1", "meticulous-sha1"] as const) {
    it(`§6.7: ${type} sessions accept each other's packets and come Up`, () => {
      const [a, b] = pair(auth(type, "k"), auth(type, "k"));
      b.rx(received(lastBytes(a))); // B: Down → Init
      a.rx(received(lastBytes(b))); // A: Down → Up
      b.rx(received(lastBytes(a))); // B: Init → Up
      assert.equal(a.session.state, "Up");
      assert.equal(b.session.state, "Up");
      assert.ok(a.sent().every((s) => s.packet.auth?.type === type));
    });
  }

  it("§6.7.4: a wrong key is rejected and the session stays Down", () => {
    const [a, b] = pair(auth("keyed-sha1", "right"), auth("keyed-sha1", "wrong"));
    const r = b.rx(received(lastBytes(a)));
    assert.deepEqual(
      ofKind(r, "discard").map((x) => x.discard.code),
      ["AUTH_BAD_DIGEST"],
    );
    assert.equal(b.session.state, "Down");
    assert.equal(b.session.remote.discr, 0, "nothing learnt from a forged packet");
  });

  it("§6.7.3: a replayed meticulous packet is rejected", () => {
    const [a, b] = pair(auth("meticulous-sha1", "k"), auth("meticulous-sha1", "k"));
    const captured = lastBytes(a);
    b.rx(received(captured));
    const r = b.rx(received(captured));
    assert.deepEqual(
      ofKind(r, "discard").map((x) => x.discard.code),
      ["AUTH_SEQUENCE"],
    );
  });

  it("§6.7.3: transmitted sequence numbers increase by one per packet", () => {
    const [a] = pair(auth("meticulous-md5", "k"), auth("meticulous-md5", "k"));
    a.advance(5000);
    const seqs = a
      .sent()
      .map((s) => (s.packet.auth !== null && "sequence" in s.packet.auth ? s.packet.auth.sequence : -1));
    assert.ok(seqs.length > 3);
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], ((seqs[i - 1] ?? 0) + 1) >>> 0);
  });

  it("§6.8.6 step 11: an unauthenticated packet is discarded when auth is configured", () => {
    const d = new Driver(config({ auth: auth("simple", "pw") }));
    const r = d.rx(peer({ state: "Down", yourDiscr: 0 }));
    assert.equal(ofKind(r, "discard")[0]?.discard.code, "AUTH_MISSING");
  });

  it("§6.8.6 step 10: an authenticated packet is discarded when no auth is configured", () => {
    const d = new Driver(config());
    const password = Uint8Array.of(1, 2);
    const r = d.rx(peer({ state: "Down", yourDiscr: 0, auth: { type: "simple", keyId: 1, password } }));
    assert.equal(ofKind(r, "discard")[0]?.discard.code, "AUTH_UNEXPECTED");
  });

  it("§6.8.1: AuthSeqKnown lapses after 2 × Detection Time, so a restarted peer is accepted", () => {
    const [a, b] = pair(auth("meticulous-sha1", "k"), auth("meticulous-sha1", "k"));
    b.rx(received(lastBytes(a)));
    // A restarts with a fresh random sequence (here: an older number than B has seen).
    const restarted = new Driver(config({ localDiscr: 1, auth: auth("meticulous-sha1", "k") }), 0, () => 0);
    const early = b.rx(received(lastBytes(restarted)));
    assert.equal(ofKind(early, "discard")[0]?.discard.code, "AUTH_SEQUENCE");
    // Detection Time = 3 × max(300 ms, A's slow 1 s Desired Min TX) = 3 s; the reset needs twice that.
    b.advance(5999);
    const stillKnown = b.rx(received(lastBytes(restarted)));
    assert.equal(ofKind(stillKnown, "discard")[0]?.discard.code, "AUTH_SEQUENCE");
    b.advance(1);
    const late = b.rx(received(lastBytes(restarted)));
    assert.equal(ofKind(late, "discard").length, 0);
  });
});
