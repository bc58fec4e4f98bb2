/**
 * `api:` — where the REST API listens and how much it accepts.
 *
 * Default port 4680 (our choice): on loopback only (style guide rule 24: keep
 * the API on loopback or an admin interface), clear of the ports a router
 * running the reference daemons or common agents already uses — mgd admin
 * 4676 and its stats 4677, ddmd admin 8000, vpp-maglev metrics 9091, Nomad
 * 4646–4648.
 */
import { Type } from "@sinclair/typebox";
import { type Decoded, HostPort } from "../primitives.js";

/** The API port used when neither the config nor `--api` names one. */
export const DEFAULT_API_PORT = 4680;
/** The default listen address: IPv4 loopback. */
export const DEFAULT_API_LISTEN = `127.0.0.1:${DEFAULT_API_PORT}`;
/** fastify's own default body limit (1 MiB), kept as ours. */
export const DEFAULT_BODY_LIMIT = 1_048_576;

/** Schema of the `api` section. */
export const ApiSection = Type.Object(
  {
    listen: HostPort({
      default: DEFAULT_API_LISTEN,
      description: "HOST:PORT to listen on; IPv6 as [::1]:PORT; port 0 lets the OS choose (tests)",
    }),
    "body-limit": Type.Integer({
      minimum: 1,
      default: DEFAULT_BODY_LIMIT,
      description: "largest accepted request body, in bytes",
    }),
  },
  { additionalProperties: false, default: {} },
);
/** The decoded `api` section. */
export type ApiSection = Decoded<typeof ApiSection>;
