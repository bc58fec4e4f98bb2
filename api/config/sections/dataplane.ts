/**
 * `dataplane:` — which load-balancer dataplane the LB reconciler drives.
 * `memory` is the in-process fake (DESIGN.md: "or the in-memory dataplane");
 * `vpp` talks the VPP binary API over `socket` (maglev-vpp.md §6.6).
 */
import { Type } from "@sinclair/typebox";
import type { Decoded } from "../primitives.js";

/** VPP's default binary-API socket (maglev-vpp.md §6.6). */
export const DEFAULT_VPP_SOCKET = "/run/vpp/api.sock";

/** Schema of the `dataplane` section. */
export const DataplaneSection = Type.Object(
  {
    kind: Type.Union([Type.Literal("memory"), Type.Literal("vpp")], {
      default: "memory",
      description: "memory: in-process fake dataplane; vpp: the VPP lb plugin",
    }),
    socket: Type.String({
      minLength: 1,
      default: DEFAULT_VPP_SOCKET,
      description: "path of VPP's binary API socket (used when kind is vpp)",
    }),
  },
  { additionalProperties: false, default: {} },
);
/** The decoded `dataplane` section. */
export type DataplaneSection = Decoded<typeof DataplaneSection>;
