/**
 * HTTPS probe (maglev-vpp.md §2.4 `type: https`): the HTTP probe over one
 * TLS layer. `tls.connect` opens the TCP connection and wraps it in TLS
 * itself; upstream once wrapped TLS twice (bug 19 in §10), so nothing here
 * wraps an existing TLS socket again.
 *
 * Certificate verification is off by default: a backend's certificate is
 * issued for the service name, rarely for the backend address the probe
 * dials, and a health check tests liveness, not identity. Turn it on with
 * `verify` (and `sni`/`ca`) when the check should also catch a broken chain.
 */
import { connect, createSecureContext, type SecureContext } from "node:tls";
import { DomainError } from "../../protocols/common/domain-error.js";
import type { Connector, HttpProbeOptions } from "./http-common.js";
import { httpRunner, resolveHttpOptions, serverName } from "./http-common.js";
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
  const rejectUnauthorized = options.verify ?? false;
  // One TLS context per probe, not per connection: building one (and loading the
  // CA store) is far dearer than the handshake's own bookkeeping.
  let secureContext: SecureContext;
  try {
    secureContext = createSecureContext(options.ca === undefined ? {} : { ca: options.ca });
  } catch (e: unknown) {
    throw new DomainError("HC_E_INVALID_CONFIG", `bad CA: ${e instanceof Error ? e.message : String(e)}`, {
      field: "ca",
    });
  }
  const tls: Connector = {
    ready: "secureConnect",
    plain: false,
    defaultPort: 443,
    connect: (host, port, localAddress) => {
      const servername = serverName(options.sni, options.host, host);
      return connect({
        host,
        port,
        secureContext,
        rejectUnauthorized,
        // An empty name sends no SNI at all (RFC 6066 §3: never an address literal).
        ...(servername === "" ? {} : { servername }),
        ...(localAddress === undefined ? {} : { localAddress }),
      });
    },
  };
  return { kind: "https", run: httpRunner(tls, options, resolved) };
}
