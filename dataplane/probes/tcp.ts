/**
 * TCP probe (maglev-vpp.md §2.4 `type: tcp`; "connect success" [I]). Without
 * `send`/`expect` a completed three-way handshake passes. With `send`, the
 * bytes are written once connected; with `expect`, the answer must contain
 * the expected bytes within `readLimit` bytes (HAProxy `tcp-check
 * send`/`expect string`, Envoy TCP `send`/`receive`, anchors.md §4.2/§4.3).
 *
 * Note that a connect-only probe passes even when the server resets the
 * connection right after accepting it: the kernel completes the handshake
 * before the application sees it. Use `send`/`expect` to test the service.
 */
import { connect, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { DomainError } from "../../protocols/common/domain-error.js";
import { millis } from "../../protocols/common/time.js";
import type { ProbeFailureCode, ProbeResult } from "../../protocols/health/probe-result.js";
import { probeFailure, probePass } from "../../protocols/health/probe-result.js";
import { classifyError } from "./classify.js";
import { startDeadline } from "./deadline.js";
import type { CommonProbeOptions, Probe, ProbeTarget } from "./probe.js";
import { sourceFor } from "./probe.js";

/** TCP probe parameters (the `tcp` block of a check, §2.4). */
export interface TcpProbeOptions extends CommonProbeOptions {
  /** Destination port (§2.4: required for tcp). */
  readonly port: number;
  /** Bytes to write after connecting; a string is sent as UTF-8. */
  readonly send?: string | Uint8Array;
  /** Bytes the answer must contain; a string is matched as UTF-8. */
  readonly expect?: string | Uint8Array;
  /** Bytes read before giving up on `expect`; default max(4096, expect length). */
  readonly readLimit?: number;
}

/** Default read limit for `expect`. */
export const DEFAULT_READ_LIMIT = 4096;

const bytes = (v: string | Uint8Array): Buffer =>
  typeof v === "string" ? Buffer.from(v, "utf8") : Buffer.from(v);

/** Build a TCP probe. Throws `DomainError` `HC_E_INVALID_CONFIG` on bad options. */
export function createTcpProbe(options: TcpProbeOptions): Probe {
  const { port, timeoutMs } = options;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new DomainError("HC_E_INVALID_CONFIG", `port must be 1..65535, got ${port}`, { field: "port" });
  }
  if (!(timeoutMs > 0))
    throw new DomainError("HC_E_INVALID_CONFIG", "timeout must be positive", { field: "timeout" });
  const send = options.send === undefined ? undefined : bytes(options.send);
  const expect = options.expect === undefined ? undefined : bytes(options.expect);
  if (expect?.length === 0)
    throw new DomainError("HC_E_INVALID_CONFIG", "expect may not be empty", { field: "expect" });
  const readLimit = options.readLimit ?? Math.max(DEFAULT_READ_LIMIT, expect?.length ?? 0);
  if (!Number.isInteger(readLimit) || readLimit < (expect?.length ?? 1)) {
    throw new DomainError("HC_E_INVALID_CONFIG", "read limit must cover the expected bytes", {
      field: "read-limit",
    });
  }
  return {
    kind: "tcp",
    run: (target, signal) => runTcp(options, send, expect, readLimit, target, signal),
  };
}

function runTcp(
  o: TcpProbeOptions,
  send: Buffer | undefined,
  expect: Buffer | undefined,
  readLimit: number,
  target: ProbeTarget,
  signal: AbortSignal,
): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = () => millis(Math.round((performance.now() - started) * 1000) / 1000);
  const deadline = startDeadline(signal, o.timeoutMs);
  return new Promise<ProbeResult>((resolve) => {
    let socket: Socket | undefined;
    let settled = false;
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      deadline.dispose();
      socket?.destroy();
      resolve(result);
    };
    const failWith = (code: ProbeFailureCode, detail: string) =>
      finish(probeFailure(code, detail, elapsed()));
    const onDeadline = () =>
      deadline.cause() === "timeout"
        ? failWith("timeout", `not done within ${o.timeoutMs} ms`)
        : failWith("aborted", "probe cancelled by its owner");
    if (deadline.signal.aborted) return onDeadline();
    deadline.signal.addEventListener("abort", onDeadline, { once: true });

    const localAddress = sourceFor(target.address, o);
    const received: Buffer[] = [];
    let size = 0;
    const s = connect({
      host: target.address,
      port: o.port,
      noDelay: true,
      ...(localAddress === undefined ? {} : { localAddress }),
    });
    socket = s;
    s.on("error", (e: unknown) => {
      const c = classifyError(e);
      failWith(c.code, c.detail);
    });
    s.on("connect", () => {
      if (send !== undefined) {
        s.write(send, (e?: Error | null) => {
          if (e !== undefined && e !== null) return;
          if (expect === undefined) finish(probePass(`connected, sent ${send.length} bytes`, elapsed()));
        });
      } else if (expect === undefined) {
        finish(probePass("connected", elapsed()));
      }
    });
    if (expect === undefined) return;
    s.on("data", (chunk: Buffer) => {
      received.push(chunk);
      size += chunk.length;
      const seen = Buffer.concat(received).subarray(0, readLimit);
      if (seen.includes(expect)) finish(probePass(`expected ${expect.length} bytes seen`, elapsed()));
      else if (size >= readLimit)
        failWith("expect-mismatch", `expected bytes not in the first ${readLimit} bytes`);
    });
    s.on("end", () => {
      if (size === 0) failWith("closed", "peer closed without answering");
      else failWith("expect-mismatch", `peer closed after ${size} bytes without the expected ones`);
    });
  });
}
