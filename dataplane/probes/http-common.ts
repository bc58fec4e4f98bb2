/**
 * The request/response logic shared by the HTTP and HTTPS probes: one
 * request per probe on a fresh connection with `Connection: close` (a health
 * check must see what a new client would; nothing outlives the probe).
 *
 * This is a minimal HTTP/1.1 client on `net.connect`/`tls.connect` rather
 * than `http.request`: the request is one write of a prebuilt text, and the
 * answer is judged from the status line and head (`http-response.ts`), the
 * body being read only when a regex needs it. Measured in `bench/health`,
 * `http.request` (agent, ClientRequest, IncomingMessage, parser, streams)
 * was the largest single cost of an HTTP probe.
 *
 * Pass: status in the expected set and, when a body regex is configured, a
 * match within the first `bodyLimit` bytes (keepalived's `regex`, Envoy's
 * `response_buffer_size`, anchors.md §4.1/§4.3).
 */
import { isIP, type Socket } from "node:net";
import { DomainError } from "../../protocols/common/domain-error.js";
import type { ProbeResult } from "../../protocols/health/probe-result.js";
import type { StatusSet } from "../../protocols/health/status-set.js";
import { Attempt } from "./attempt.js";
import { type AnswerRules, ResponseJudge } from "./http-exchange.js";
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
  /** `Host` header; default the target address, and the port when it is not the scheme's default. */
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

/**
 * Opens the probe's connection: `net.connect` for HTTP, `tls.connect` (one TLS
 * layer, bug 19 in §10) for HTTPS. `ready` is the event after which the
 * request may be written; `plain` says a reset close is possible.
 */
export interface Connector {
  readonly ready: "connect" | "secureConnect";
  readonly plain: boolean;
  readonly defaultPort: number;
  connect(address: string, port: number, localAddress: string | undefined): Socket;
}

/** Validated, defaulted HTTP options. */
export interface ResolvedHttp {
  readonly port: number;
  readonly method: string;
  readonly path: string;
  readonly bodyRegex: RegExp | undefined;
  readonly bodyLimit: number;
  readonly userAgent: string;
}

/** An HTTP token (RFC 9110 §5.6.2), for the method. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A request-target we send as is: visible ASCII, no spaces (RFC 9112 §3.2). */
const TARGET = /^\/[\x21-\x7e]*$/;
/** Header values may not carry control characters other than HTAB (no CR/LF injection, RFC 9110 §5.5). */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

function invalid(field: string, message: string): DomainError {
  return new DomainError("HC_E_INVALID_CONFIG", message, { field });
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
  if (!path.startsWith("/")) throw invalid("path", `path must start with "/", got ${path}`);
  if (!TARGET.test(path))
    throw invalid("path", "path must be visible ASCII without spaces (percent-encode the rest)");
  const method = (o.method ?? "GET").toUpperCase();
  if (!TOKEN.test(method)) throw invalid("method", `method is not an HTTP token: ${JSON.stringify(method)}`);
  if (o.host !== undefined && (o.host === "" || hasControl(o.host)))
    throw invalid("host", "host must be non-empty without control characters");
  const userAgent = o.userAgent ?? DEFAULT_USER_AGENT;
  if (hasControl(userAgent)) throw invalid("user-agent", "user agent may not contain control characters");
  const re = o.bodyRegex;
  const bodyRegex = re === undefined ? undefined : new RegExp(re.source, re.flags.replace(/[gy]/g, ""));
  return { port, method, path, bodyRegex, bodyLimit, userAgent };
}

/** The Host header for a target without a configured `host`: the address, bracketed if IPv6, with a non-default port. */
export function defaultHost(address: string, port: number, defaultPort: number): string {
  const name = isIP(address) === 6 ? `[${address}]` : address;
  return port === defaultPort ? name : `${name}:${port}`;
}

/** The request bytes (latin1; every part was validated as ASCII or is an address). */
export function requestHead(r: ResolvedHttp, host: string): string {
  return (
    `${r.method} ${r.path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${r.userAgent}\r\n` +
    "Accept: */*\r\nConnection: close\r\n\r\n"
  );
}

/** The judging rules of a resolved probe. */
export function answerRules(o: HttpProbeOptions, r: ResolvedHttp): AnswerRules {
  return {
    expect: o.expect,
    bodyRegex: r.bodyRegex,
    bodyLimit: r.bodyLimit,
    headRequest: r.method === "HEAD",
  };
}

/** The host name to send as TLS SNI: explicit, else the Host header's name, else none for IP literals. */
export function serverName(sni: string | undefined, host: string | undefined, address: string): string {
  if (sni !== undefined) return sni;
  const name = host?.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1") ?? address;
  // RFC 6066 §3: SNI carries host names only, never address literals.
  return isIP(name) === 0 ? name : "";
}

/**
 * A probe's request function: one connection, one request, the answer judged
 * as soon as it can be (status line and head; the body only for a regex).
 * The request text is cached for the last target address.
 */
export function httpRunner(
  connector: Connector,
  o: HttpProbeOptions,
  r: ResolvedHttp,
): (target: ProbeTarget, signal: AbortSignal | undefined) => Promise<ProbeResult> {
  let lastAddress: string | undefined;
  let lastRequest = "";
  return (target, signal) => {
    if (target.address !== lastAddress) {
      lastAddress = target.address;
      lastRequest = requestHead(r, o.host ?? defaultHost(target.address, r.port, connector.defaultPort));
    }
    return runHttp(connector, o, r, target, signal, lastRequest);
  };
}

/** Run one request and judge the response. Resolves once the socket is closed. */
function runHttp(
  connector: Connector,
  o: HttpProbeOptions,
  r: ResolvedHttp,
  target: ProbeTarget,
  signal: AbortSignal | undefined,
  request: string,
): Promise<ProbeResult> {
  const a = new Attempt(o.timeoutMs, signal, `no complete answer within ${o.timeoutMs} ms`);
  if (a.done) return a.promise;
  let s: Socket;
  try {
    s = connector.connect(target.address, r.port, sourceFor(target.address, o));
  } catch (e: unknown) {
    // Invalid options that only the socket layer checks; report, never throw.
    a.error(e);
    return a.promise;
  }
  a.attach(s, connector.plain);
  s.once(connector.ready, () => s.write(request, "latin1"));
  const judge = new ResponseJudge(answerRules(o, r), false);
  s.on("data", (chunk: Buffer) => judge.data(chunk, a));
  s.on("end", () => judge.end(a));
  return a.promise;
}
