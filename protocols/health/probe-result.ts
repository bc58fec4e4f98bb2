/**
 * The outcome of one probe, shared by the pure core (which counts it) and the
 * probes in `dataplane/probes/` (which produce it). It lives here because
 * `protocols/` may not import from `dataplane/`.
 *
 * The `code` vocabulary is ours (maglev-vpp.md §3.4 leaves it open [?]); it is
 * small and closed so it can label the `probe_total{result,code}` metric
 * without unbounded cardinality. Free text (HTTP status, errno text) goes in
 * `detail`.
 */
import type { Millis } from "../common/time.js";

/** Why a probe failed. */
export type ProbeFailureCode =
  /** The probe's own deadline passed (AbortSignal.timeout or kernel ETIMEDOUT). */
  | "timeout"
  /** The backend answered the SYN with RST: nothing listens (ECONNREFUSED). */
  | "refused"
  /** The connection was reset after it was established (ECONNRESET, EPIPE). */
  | "reset"
  /** The peer closed cleanly before giving a complete answer. */
  | "closed"
  /** HTTP status outside the expected set. */
  | "bad-status"
  /** HTTP body did not match the configured regular expression. */
  | "body-mismatch"
  /** TCP answer did not contain the expected bytes before the read limit or EOF. */
  | "expect-mismatch"
  /** TLS handshake or certificate verification failed. */
  | "tls-error"
  /** No route, host or network unreachable (ICMP errors, EHOSTUNREACH). */
  | "unreachable"
  /** A name did not resolve (only when a check names a host, not an address). */
  | "dns"
  /** The configured source address cannot be bound (EADDRNOTAVAIL). */
  | "bind-error"
  /** The answer is not the protocol we spoke (e.g. non-HTTP bytes). */
  | "protocol-error"
  /** The owner aborted the probe (pause, disable, shutdown); not evidence about the backend. */
  | "aborted"
  /** Anything else; `detail` says what. */
  | "error";

/** Every failure code, for tables, metrics pre-registration and tests. */
export const PROBE_FAILURE_CODES: readonly ProbeFailureCode[] = [
  "timeout",
  "refused",
  "reset",
  "closed",
  "bad-status",
  "body-mismatch",
  "expect-mismatch",
  "tls-error",
  "unreachable",
  "dns",
  "bind-error",
  "protocol-error",
  "aborted",
  "error",
];

/** A probe that passed. `detail` names what passed, e.g. `HTTP 200`. */
export interface ProbePass {
  readonly ok: true;
  readonly code: "ok";
  readonly detail: string;
  readonly latencyMs: Millis;
}

/** A probe that failed, with the reason. */
export interface ProbeFailure {
  readonly ok: false;
  readonly code: ProbeFailureCode;
  readonly detail: string;
  readonly latencyMs: Millis;
}

/** Result of one probe run; probes never throw, they return this. */
export type ProbeResult = ProbePass | ProbeFailure;

/** Build a passing result. */
export function probePass(detail: string, latencyMs: Millis): ProbePass {
  return { ok: true, code: "ok", detail, latencyMs };
}

/** Build a failing result. */
export function probeFailure(code: ProbeFailureCode, detail: string, latencyMs: Millis): ProbeFailure {
  return { ok: false, code, detail, latencyMs };
}
