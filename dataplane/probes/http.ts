/**
 * HTTP probe (maglev-vpp.md §2.4 `type: http`): one request over plain TCP,
 * pass on an expected status and optional body match.
 */
import { request } from "node:http";
import type { HttpProbeOptions } from "./http-common.js";
import { resolveHttpOptions, runHttp } from "./http-common.js";
import type { Probe } from "./probe.js";

export type { HttpProbeOptions } from "./http-common.js";

/** Build an HTTP probe. Throws `DomainError` `HC_E_INVALID_CONFIG` on bad options. */
export function createHttpProbe(options: HttpProbeOptions): Probe {
  const resolved = resolveHttpOptions(options, 80);
  return {
    kind: "http",
    run: (target, signal) => runHttp(request, options, resolved, target, signal),
  };
}
