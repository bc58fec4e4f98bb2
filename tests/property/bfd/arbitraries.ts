/**
 * fast-check arbitraries for BFD property tests (shared by the codec and session suites).
 */
import fc from "fast-check";
import type { Micros } from "../../../protocols/common/time.js";
import type { AuthSection, ControlPacket } from "../../../protocols/bfd/packet.js";
import { SESSION_STATES } from "../../../protocols/bfd/types.js";

/** fc.record builds null-prototype objects by default; deepEqual wants plain ones. */
const plain = { noNullPrototype: true } as const;

export const u32 = fc.nat({ max: 0xffffffff });
export const micros = u32.map((n) => n as Micros);

export const authArb: fc.Arbitrary<AuthSection> = fc.oneof(
  fc.record(
    {
      type: fc.constant("simple" as const),
      keyId: fc.nat({ max: 255 }),
      password: fc.uint8Array({ minLength: 1, maxLength: 16 }),
    },
    plain,
  ),
  fc.constantFrom("keyed-md5", "meticulous-md5").chain((type) =>
    fc.record(
      {
        type: fc.constant(type),
        keyId: fc.nat({ max: 255 }),
        sequence: u32,
        digest: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      },
      plain,
    ),
  ),
  fc.constantFrom("keyed-sha1", "meticulous-sha1").chain((type) =>
    fc.record(
      {
        type: fc.constant(type),
        keyId: fc.nat({ max: 255 }),
        sequence: u32,
        digest: fc.uint8Array({ minLength: 20, maxLength: 20 }),
      },
      plain,
    ),
  ),
);

/** Any packet the wire can carry (including ones §6.8.6 later discards). */
export const packetArb: fc.Arbitrary<ControlPacket> = fc.record(
  {
    diag: fc.nat({ max: 31 }),
    state: fc.constantFrom(...SESSION_STATES),
    poll: fc.boolean(),
    final: fc.boolean(),
    controlPlaneIndependent: fc.boolean(),
    demand: fc.boolean(),
    multipoint: fc.boolean(),
    detectMult: fc.nat({ max: 255 }),
    myDiscr: u32,
    yourDiscr: u32,
    desiredMinTx: micros,
    requiredMinRx: micros,
    requiredMinEchoRx: micros,
    auth: fc.option(authArb, { nil: null }),
  },
  plain,
);
