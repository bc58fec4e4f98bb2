/**
 * The probe contract shared by every probe kind (HTTP, HTTPS, TCP, ICMP).
 *
 * A probe is built once per health check (maglev-vpp.md §2.4: one check
 * block, many backends) and run once per backend per period by the health
 * actor. `run` never throws and never outlives its timeout: it resolves with
 * a {@link ProbeResult} whose `code` is from the closed vocabulary in
 * `protocols/health/probe-result.ts`, and it closes every socket it opened
 * before resolving.
 */
import { isIP } from "node:net";
import type { ProbeResult } from "../../protocols/health/probe-result.js";

export type { ProbeFailureCode, ProbeResult } from "../../protocols/health/probe-result.js";

/** The probe kinds of maglev-vpp.md §2.4 (`type`). */
export type ProbeKind = "http" | "https" | "tcp" | "icmp";

/** What to probe: the backend's address (§2.5 `address`). */
export interface ProbeTarget {
  /** An IPv4 or IPv6 literal (a host name also works for TCP/HTTP, then `dns` can fail). */
  readonly address: string;
}

/** Receives probe results: the promise-free form of {@link Probe.run}. */
export interface ProbeSink {
  /** The result of the probe started with `tag`; called exactly once per `start`. */
  probeDone(tag: number, result: ProbeResult): void;
}

/** One configured probe. */
export interface Probe {
  readonly kind: ProbeKind;
  /**
   * Probe `target` once. `signal` lets the owner cancel (pause, disable,
   * shutdown); the probe adds its own deadline on top. Resolves, never rejects.
   */
  run(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult>;
  /**
   * The same probe, reporting to `sink.probeDone(tag, result)` instead of a
   * promise, so a probe allocates no Promise, reaction or closure (at 5,000
   * probes/s they were a visible part of the checker's CPU, bench/health).
   * Same contract as `run`; the sink may be called before `start` returns
   * (an owner signal that is already aborted). Optional: owners fall back to
   * `run` when a probe kind does not offer it.
   */
  start?(target: ProbeTarget, signal: AbortSignal, sink: ProbeSink, tag: number): void;
}

/** `run` in terms of `start`, for probes that implement the sink form natively. */
export function runViaSink(
  start: (target: ProbeTarget, signal: AbortSignal | undefined, sink: ProbeSink, tag: number) => void,
  target: ProbeTarget,
  signal: AbortSignal | undefined,
): Promise<ProbeResult> {
  return new Promise((resolve) => start(target, signal, { probeDone: (_tag, r) => resolve(r) }, 0));
}

/** Options every probe kind shares. */
export interface CommonProbeOptions {
  /** Per-probe deadline in milliseconds (§2.4 `timeout`). */
  readonly timeoutMs: number;
  /** Source address for IPv4 targets (`probe-ipv4-src`); absent ⇒ the kernel chooses. */
  readonly sourceIpv4?: string;
  /** Source address for IPv6 targets (`probe-ipv6-src`); absent ⇒ the kernel chooses. */
  readonly sourceIpv6?: string;
}

/** The configured source address for `address`'s family, if any. */
export function sourceFor(address: string, options: CommonProbeOptions): string | undefined {
  const family = isIP(address);
  if (family === 4) return options.sourceIpv4;
  if (family === 6) return options.sourceIpv6;
  return undefined;
}

/** Default User-Agent; §2.4 says probes advertise the build version and project URL [D]. */
export const DEFAULT_USER_AGENT = "magnetite-health-probe";
