/**
 * Map Node socket, TLS and HTTP-parser errors to probe failure codes. Only
 * the error's `code` (and, for one ambiguity, its message) is read; anything
 * unrecognised becomes `error` with the text in `detail`.
 */
import type { ProbeFailureCode } from "../../protocols/health/probe-result.js";

/** Failure code and human detail for an error. */
export interface Classified {
  readonly code: ProbeFailureCode;
  readonly detail: string;
}

const BY_ERRNO: Readonly<Record<string, ProbeFailureCode>> = {
  ECONNREFUSED: "refused",
  ECONNRESET: "reset",
  EPIPE: "reset",
  ETIMEDOUT: "timeout",
  EHOSTUNREACH: "unreachable",
  ENETUNREACH: "unreachable",
  EHOSTDOWN: "unreachable",
  ENETDOWN: "unreachable",
  ENOTFOUND: "dns",
  EAI_AGAIN: "dns",
  EAI_FAIL: "dns",
  EAI_NONAME: "dns",
  EADDRNOTAVAIL: "bind-error",
  EADDRINUSE: "bind-error",
  EPROTO: "tls-error",
};

/** OpenSSL certificate-verification codes as Node reports them, and Node's own TLS codes. */
const TLS_CODE =
  /^(ERR_TLS_|ERR_SSL_|ERR_OSSL_)|CERT|SELF_SIGNED|ISSUER|SIGNATURE|^INVALID_CA$|^HOSTNAME_MISMATCH$/;

/** Longest `detail` we keep; details end up in logs and transition records. */
const MAX_DETAIL = 200;

function field(e: unknown, name: string): string | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  const v = (e as Record<string, unknown>)[name];
  return typeof v === "string" ? v : undefined;
}

/** Trim a detail string to a bounded length. */
export function boundDetail(text: string): string {
  return text.length <= MAX_DETAIL ? text : `${text.slice(0, MAX_DETAIL - 1)}…`;
}

/** Classify an error raised by a probe's socket, TLS layer or HTTP parser. */
export function classifyError(e: unknown): Classified {
  const code = field(e, "code");
  const message = field(e, "message") ?? String(e);
  const detail = boundDetail(code === undefined || message.includes(code) ? message : `${code}: ${message}`);
  if (code === undefined) return { code: "error", detail };
  // Node reports a connection closed before any response as ECONNRESET
  // "socket hang up", even on a clean FIN; only a real RST has a syscall.
  if (code === "ECONNRESET" && field(e, "syscall") === undefined) {
    return { code: message.includes("TLS") ? "tls-error" : "closed", detail };
  }
  const errno = BY_ERRNO[code];
  if (errno !== undefined) return { code: errno, detail };
  if (code.startsWith("HPE_")) return { code: "protocol-error", detail };
  if (TLS_CODE.test(code)) return { code: "tls-error", detail };
  return { code: "error", detail };
}
