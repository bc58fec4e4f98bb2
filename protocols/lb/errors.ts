/**
 * LB error codes. Dataplane refusals carry VPP's `retval` (§6.4) so the
 * in-memory model, the emulator and a real VPP report the same code for the
 * same mistake; contract tests compare codes across implementations.
 */

/** A dataplane refusal and the VPP retval it corresponds to. */
export const LB_RETVAL = {
  /** -6 NO_SUCH_ENTRY: unknown VIP or AS. */
  LB_E_NO_SUCH_ENTRY: -6,
  /** -7 INVALID_VALUE: e.g. weight above 100. */
  LB_E_INVALID_VALUE: -7,
  /** -70 INVALID_MEMORY_SIZE: table length / sticky buckets not a power of two. */
  LB_E_INVALID_MEMORY_SIZE: -70,
  /** -73 INVALID_ARGUMENT: another VIP on the same prefix uses another encap (bug §10.10). */
  LB_E_ENCAP_CONFLICT: -73,
  /** -81 VALUE_EXIST: VIP or live AS already present, all-port vs per-port clash. */
  LB_E_EXISTS: -81,
  /** -97 INVALID_ADDRESS_FAMILY: AS family differs from the encap's inner family. */
  LB_E_ADDRESS_FAMILY: -97,
} as const;

/** Codes of dataplane refusals that have a VPP retval. */
export type LbRefusalCode = keyof typeof LB_RETVAL;

/** Every LB error code, including the ones raised before any dataplane call. */
export type LbErrorCode =
  | LbRefusalCode
  /** A VPP retval with no dedicated code. */
  | "LB_E_DATAPLANE_ERROR"
  /** The dataplane is not connected (VPP down, memory dataplane told to fail). */
  | "LB_E_UNAVAILABLE"
  /** A frontend's backends mix IPv4 and IPv6, so no single encap fits (§2.1). */
  | "LB_E_MIXED_FAMILY";

/** Map a VPP retval to our code (unknown values become `LB_E_DATAPLANE_ERROR`). */
export function lbCodeForRetval(retval: number): LbErrorCode {
  for (const [code, v] of Object.entries(LB_RETVAL)) if (v === retval) return code as LbRefusalCode;
  return "LB_E_DATAPLANE_ERROR";
}
