/**
 * ICMP echo probe (maglev-vpp.md §2.4 `type: icmp`). Sending echo requests
 * needs a raw or ping socket (CAP_NET_RAW or `ping_group_range`), which Node
 * core lacks; the native `dgram-extended` addon provides it (`pinger.ts`).
 * This probe is written against the small {@link Pinger} interface so tests
 * can use a fake.
 *
 * The probe owns the deadline: even a pinger that ignores its signal cannot
 * hold a probe past `timeoutMs`.
 */
import { performance } from "node:perf_hooks";
import { DomainError } from "../../protocols/common/domain-error.js";
import { millis } from "../../protocols/common/time.js";
import type { ProbeResult } from "../../protocols/health/probe-result.js";
import { probeFailure, probePass } from "../../protocols/health/probe-result.js";
import { boundDetail, classifyError } from "./classify.js";
import { startDeadline } from "./deadline.js";
import type { CommonProbeOptions, Probe } from "./probe.js";
import { sourceFor } from "./probe.js";

/** One echo request. */
export interface EchoRequest {
  /** IPv4 or IPv6 literal. */
  readonly address: string;
  /** Source address to send from; absent ⇒ the kernel chooses. */
  readonly source?: string;
}

/** The answer to one echo request. */
export type EchoReply =
  | { readonly ok: true; readonly rttMs: number }
  /** An ICMP error came back (destination/host unreachable, TTL exceeded, …). */
  | { readonly ok: false; readonly kind: "unreachable"; readonly detail: string }
  /** The socket could not be opened or the send failed. */
  | { readonly ok: false; readonly kind: "error"; readonly detail: string };

/** Sends one ICMP echo request and waits for its reply; aborts when `signal` fires. */
export interface Pinger {
  echo(request: EchoRequest, signal: AbortSignal): Promise<EchoReply>;
}

/** ICMP probe parameters. */
export interface IcmpProbeOptions extends CommonProbeOptions {
  readonly pinger: Pinger;
}

/** Build an ICMP probe over `options.pinger`. Throws `DomainError` `HC_E_INVALID_CONFIG` on bad options. */
export function createIcmpProbe(options: IcmpProbeOptions): Probe {
  if (!(options.timeoutMs > 0)) {
    throw new DomainError("HC_E_INVALID_CONFIG", "timeout must be positive", { field: "timeout" });
  }
  return {
    kind: "icmp",
    run(target, signal) {
      const started = performance.now();
      const elapsed = () => millis(Math.round((performance.now() - started) * 1000) / 1000);
      const deadline = startDeadline(signal, options.timeoutMs);
      return new Promise<ProbeResult>((resolve) => {
        let settled = false;
        const finish = (r: ProbeResult) => {
          if (settled) return;
          settled = true;
          deadline.dispose();
          resolve(r);
        };
        const onDeadline = () =>
          finish(
            deadline.cause() === "timeout"
              ? probeFailure("timeout", `no echo reply within ${options.timeoutMs} ms`, elapsed())
              : probeFailure("aborted", "probe cancelled by its owner", elapsed()),
          );
        if (deadline.signal.aborted) return onDeadline();
        deadline.signal.addEventListener("abort", onDeadline, { once: true });
        const source = sourceFor(target.address, options);
        const request: EchoRequest =
          source === undefined ? { address: target.address } : { address: target.address, source };
        let pending: Promise<EchoReply>;
        try {
          pending = options.pinger.echo(request, deadline.signal);
        } catch (e: unknown) {
          const c = classifyError(e);
          return finish(probeFailure(c.code, c.detail, elapsed()));
        }
        pending.then(
          (reply) => {
            if (reply.ok) finish(probePass(`echo reply in ${reply.rttMs} ms`, elapsed()));
            else finish(probeFailure(reply.kind, boundDetail(reply.detail), elapsed()));
          },
          (e: unknown) => {
            const c = classifyError(e);
            finish(probeFailure(c.code, c.detail, elapsed()));
          },
        );
      });
    },
  };
}
