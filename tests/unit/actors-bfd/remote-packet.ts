import { encode } from "../../../protocols/bfd/index.js";
import type { Micros } from "../../../protocols/common/time.js";

/** The bytes of a remote system's control packet at 100 ms rates, as the listener tests feed them. */
export function remotePacket(state: "Down" | "Up", yourDiscr: number, myDiscr: number): Uint8Array {
  return encode({
    diag: 0,
    state,
    poll: false,
    final: false,
    controlPlaneIndependent: false,
    demand: false,
    multipoint: false,
    detectMult: 3,
    myDiscr,
    yourDiscr,
    desiredMinTx: 100_000 as Micros,
    requiredMinRx: 100_000 as Micros,
    requiredMinEchoRx: 0 as Micros,
    auth: null,
  });
}
