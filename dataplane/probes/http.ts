/**
 * HTTP probe (maglev-vpp.md §2.4 `type: http`): one request over plain TCP,
 * pass on an expected status and optional body match (http-common.ts).
 */
import { connect } from "node:net";
import type { Connector, HttpProbeOptions } from "./http-common.js";
import { httpRunner, resolveHttpOptions } from "./http-common.js";
import type { Probe } from "./probe.js";

export type { HttpProbeOptions } from "./http-common.js";

const plainTcp: Connector = {
  ready: "connect",
  plain: true,
  defaultPort: 80,
  // An IP literal is connected to directly; net only resolves host names. No
  // TCP_NODELAY: the request is one write, and Nagle never holds a first segment.
  connect: (host, port, localAddress) =>
    connect({ host, port, ...(localAddress === undefined ? {} : { localAddress }) }),
};

/** Build an HTTP probe. Throws `DomainError` `HC_E_INVALID_CONFIG` on bad options. */
export function createHttpProbe(options: HttpProbeOptions): Probe {
  const run = httpRunner(plainTcp, options, resolveHttpOptions(options, plainTcp.defaultPort));
  return { kind: "http", run };
}
