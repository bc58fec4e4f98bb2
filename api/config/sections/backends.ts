/**
 * `backends:` — named real servers (maglev-vpp.md §2.5). There is no weight
 * here: weights live in frontend pool membership since upstream's "Pools"
 * rework. No `healthcheck` means a static backend (§3.6, semantics owned by
 * the health-check engineer).
 */
import { Type } from "@sinclair/typebox";
import { type Decoded, IpAddress, NamedMap } from "../primitives.js";

/** One named backend. */
export const Backend = Type.Object(
  {
    address: IpAddress({ description: "backend address; becomes the VPP application-server address" }),
    healthcheck: Type.Optional(Type.String({ minLength: 1, description: "name of a healthchecks entry" })),
    enabled: Type.Boolean({ default: true, description: "false starts the backend in the disabled state" }),
    description: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** Schema of the `backends` section. */
export const BackendsSection = NamedMap(Backend, "backends by name");
/** The decoded `backends` section. */
export type BackendsSection = Decoded<typeof BackendsSection>;
