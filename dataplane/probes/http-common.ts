/**
 * The request/response logic shared by the HTTP and HTTPS probes. One
 * request per probe on a fresh connection (`agent: false`,
 * `Connection: close`): a health check must see what a new client would,
 * and no pooled socket may outlive the probe.
 *
 * Pass: status in the expected set and, when a body regex is configured, a
 * match within the first `bodyLimit` bytes (keepalived's `regex`, Envoy's
 * `response_buffer_size`, anchors.md §4.1/§4.3). The body is not read at
 * all without a regex.
 */
import type { ClientRequest, IncomingMessage } from "node:http";
import type { RequestOptions } from "node:https";
import { isIP } from "node:net";
import { performance } from "node:perf_hooks";
import { DomainError } from "../../protocols/common/domain-error.js";
import { millis } from "../../protocols/common/time.js";
import type { ProbeFailureCode, ProbeResult } from "../../protocols/health/probe-result.js";
import { probeFailure, probePass } from "../../protocols/health/probe-result.js";
import type { StatusSet } from "../../protocols/health/status-set.js";
import { formatStatusSet, statusMatches } from "../../protocols/health/status-set.js";
import { classifyError } from "./classify.js";
import { startDeadline } from "./deadline.js";
import type { CommonProbeOptions, ProbeTarget } from "./probe.js";
import { DEFAULT_USER_AGENT, sourceFor } from "./probe.js";

/** HTTP probe parameters (the `http` block of a check, maglev-vpp.md §2.4 [?]). */
export interface HttpProbeOptions extends CommonProbeOptions {
  /** Destination port; default 80 (HTTP) or 443 (HTTPS). */
  readonly port?: number;
  /** Request method; default `GET`. */
  readonly method?: string;
  /** Request path with optional query; default `/`. */
  readonly path?: string;
  /** `Host` header; default the target address and port. */
  readonly host?: string;
  /** Statuses that pass (parse with `parseStatusSet`); default 200-299 is applied by the config layer. */
  readonly expect: StatusSet;
  /** Optional body check; flags `g`/`y` are dropped so matching is stateless. */
  readonly bodyRegex?: RegExp;
  /** Bytes of body read for the regex; default 64 KiB. */
  readonly bodyLimit?: number;
  /** `User-Agent` header. */
  readonly userAgent?: string;
}

/** Default number of body bytes read for the regex check. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

/** Issues one request: `http.request`, or `https.request` with TLS options merged in (a superset of HTTP's). */
export type RequestFn = (options: RequestOptions) => ClientRequest;

/** Validated, defaulted HTTP options. */
export interface ResolvedHttp {
  readonly port: number;
  readonly method: string;
  readonly path: string;
  readonly bodyRegex: RegExp | undefined;
  readonly bodyLimit: number;
}

/** Validate options at construction; a bad value is a config bug, so it throws (boundary rule). */
export function resolveHttpOptions(o: HttpProbeOptions, defaultPort: number): ResolvedHttp {
  const port = o.port ?? defaultPort;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new DomainError("HC_E_INVALID_CONFIG", `port must be 1..65535, got ${port}`, { field: "port" });
  }
  if (!(o.timeoutMs > 0)) {
    throw new DomainError("HC_E_INVALID_CONFIG", "timeout must be positive", { field: "timeout" });
  }
  const bodyLimit = o.bodyLimit ?? DEFAULT_BODY_LIMIT;
  if (!Number.isInteger(bodyLimit) || bodyLimit < 1) {
    throw new DomainError("HC_E_INVALID_CONFIG", "body limit must be a positive integer", {
      field: "body-limit",
    });
  }
  const path = o.path ?? "/";
  if (!path.startsWith("/")) {
    throw new DomainError("HC_E_INVALID_CONFIG", `path must start with "/", got ${path}`, { field: "path" });
  }
  const re = o.bodyRegex;
  const bodyRegex = re === undefined ? undefined : new RegExp(re.source, re.flags.replace(/[gy]/g, ""));
  return { port, method: (o.method ?? "GET").toUpperCase(), path, bodyRegex, bodyLimit };
}

/** The host name to send as TLS SNI: explicit, else the Host header's name, else none for IP literals. */
export function serverName(sni: string | undefined, host: string | undefined, address: string): string {
  if (sni !== undefined) return sni;
  const name = host?.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1") ?? address;
  // RFC 6066 §3: SNI carries host names only, never address literals.
  return isIP(name) === 0 ? name : "";
}

/** Run one request and judge the response. Resolves once the socket is destroyed. */
export function runHttp(
  request: RequestFn,
  o: HttpProbeOptions,
  r: ResolvedHttp,
  target: ProbeTarget,
  signal: AbortSignal,
  extra: RequestOptions = {},
): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = () => millis(Math.round((performance.now() - started) * 1000) / 1000);
  const deadline = startDeadline(signal, o.timeoutMs);
  return new Promise<ProbeResult>((resolve) => {
    let req: ClientRequest | undefined;
    let settled = false;
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      deadline.dispose();
      req?.destroy();
      resolve(result);
    };
    const failWith = (code: ProbeFailureCode, detail: string) =>
      finish(probeFailure(code, detail, elapsed()));
    const onDeadline = () =>
      deadline.cause() === "timeout"
        ? failWith("timeout", `no complete answer within ${o.timeoutMs} ms`)
        : failWith("aborted", "probe cancelled by its owner");
    if (deadline.signal.aborted) return onDeadline();
    deadline.signal.addEventListener("abort", onDeadline, { once: true });

    const headers: Record<string, string> = {
      "user-agent": o.userAgent ?? DEFAULT_USER_AGENT,
      accept: "*/*",
      connection: "close",
    };
    if (o.host !== undefined) headers["host"] = o.host;
    const localAddress = sourceFor(target.address, o);
    try {
      req = request({
        ...extra,
        host: target.address,
        port: r.port,
        method: r.method,
        path: r.path,
        headers,
        agent: false,
        ...(localAddress === undefined ? {} : { localAddress }),
      });
    } catch (e: unknown) {
      // Invalid header characters or similar; report, never throw.
      const c = classifyError(e);
      return failWith(c.code, c.detail);
    }
    req.on("error", (e: unknown) => {
      const c = classifyError(e);
      failWith(c.code, c.detail);
    });
    req.on("response", (res: IncomingMessage) => {
      res.on("error", (e: unknown) => {
        const c = classifyError(e);
        failWith(c.code, c.detail);
      });
      const status = res.statusCode ?? 0;
      if (!statusMatches(o.expect, status)) {
        return failWith("bad-status", `HTTP ${status}, expected ${formatStatusSet(o.expect)}`);
      }
      const re = r.bodyRegex;
      if (re === undefined) return finish(probePass(`HTTP ${status}`, elapsed()));
      const chunks: Buffer[] = [];
      let size = 0;
      const judge = () => {
        const body = Buffer.concat(chunks).subarray(0, r.bodyLimit).toString("utf8");
        if (re.test(body)) finish(probePass(`HTTP ${status}, body matches ${re}`, elapsed()));
        else
          failWith(
            "body-mismatch",
            `HTTP ${status}, first ${Math.min(size, r.bodyLimit)} body bytes do not match ${re}`,
          );
      };
      res.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= r.bodyLimit) judge();
      });
      res.on("end", judge);
    });
    req.end();
  });
}
