/**
 * HTTPS probe (maglev-vpp.md §2.4 `type: https`): the HTTP probe over one
 * TLS layer. `https.request` opens the TCP connection and wraps it in TLS
 * itself; upstream once wrapped TLS twice (bug 19 in §10), so nothing here
 * builds its own TLS socket.
 *
 * Certificate verification is off by default: a backend's certificate is
 * issued for the service name, rarely for the backend address the probe
 * dials, and a health check tests liveness, not identity. Turn it on with
 * `verify` (and `sni`/`ca`) when the check should also catch a broken chain.
 */
import { request } from "node:https";
import type { HttpProbeOptions } from "./http-common.js";
import { resolveHttpOptions, runHttp, serverName } from "./http-common.js";
import type { Probe } from "./probe.js";

/** HTTPS options: the HTTP ones plus TLS. */
export interface HttpsProbeOptions extends HttpProbeOptions {
  /** TLS server name (SNI); default the `host` option's name, none for an IP literal (RFC 6066 §3). */
  readonly sni?: string;
  /** Verify the certificate chain and name; default false. */
  readonly verify?: boolean;
  /** Trusted CA certificates (PEM) for verification; default the system store. */
  readonly ca?: string | Buffer | (string | Buffer)[];
}

/** Build an HTTPS probe. Throws `DomainError` `HC_E_INVALID_CONFIG` on bad options. */
export function createHttpsProbe(options: HttpsProbeOptions): Probe {
  const resolved = resolveHttpOptions(options, 443);
  const verify = options.verify ?? false;
  return {
    kind: "https",
    run: (target, signal) =>
      runHttp(request, options, resolved, target, signal, {
        servername: serverName(options.sni, options.host, target.address),
        rejectUnauthorized: verify,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
      }),
  };
}
