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
 *
 * A connect-only probe closes with a reset right after the handshake, like
 * HAProxy's layer-4 check (attempt.ts explains why); the server may log a
 * reset connection.
 *
 * An IP-literal target runs on the native stream-probe engine
 * (`stream-attempt.ts`): the engine holds the answer back until `expect`
 * appears (or `readLimit` bytes, or the end), so a matching answer costs one
 * event. A host name keeps the Node-socket path below, which resolves it.
 */
import { connect, isIP, type Socket } from "node:net";
import { StreamTarget } from "dgram-extended";
import { DomainError } from "../../protocols/common/domain-error.js";
import type { ProbeResult } from "../../protocols/health/probe-result.js";
import { Attempt } from "./attempt.js";
import type { CommonProbeOptions, Probe, ProbeSink, ProbeTarget } from "./probe.js";
import { runViaSink, sourceFor } from "./probe.js";
import { nativeStart, StreamAttempt } from "./stream-attempt.js";

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
  const plan: TcpPlan = {
    send,
    expect,
    readLimit,
    timeoutDetail: `not done within ${timeoutMs} ms`,
  };
  const start = nativeStart(
    (address) => nativeTarget(options, plan, address),
    (target, signal) => runTcp(options, send, expect, readLimit, target, signal),
    (sink, tag) => new TcpStreamAttempt(plan, sink, tag),
    timeoutMs,
  );
  return {
    kind: "tcp",
    run: (target, signal) =>
      isIP(target.address) === 0
        ? runTcp(options, send, expect, readLimit, target, signal)
        : runViaSink(start, target, signal),
    start,
  };
}

/** What a TCP probe does, resolved once. */
interface TcpPlan {
  readonly send: Buffer | undefined;
  readonly expect: Buffer | undefined;
  readonly readLimit: number;
  readonly timeoutDetail: string;
}

function nativeTarget(o: TcpProbeOptions, plan: TcpPlan, address: string): StreamTarget {
  const source = sourceFor(address, o);
  return new StreamTarget({
    address,
    port: o.port,
    ...(source === undefined ? {} : { source }),
    ...(plan.send === undefined ? {} : { send: plan.send }),
    read: plan.expect !== undefined,
    ...(plan.expect === undefined
      ? {}
      : { until: plan.expect, holdLimit: Math.min(plan.readLimit, STREAM_HOLD_LIMIT) }),
  });
}

/** The engine holds at most this many bytes waiting for `until` (dgram-extended MAX_HOLD). */
const STREAM_HOLD_LIMIT = 64 * 1024;

/** The native TCP probe: connect, optional send, optional expect. */
class TcpStreamAttempt extends StreamAttempt {
  private received: Buffer[] | undefined;
  private size = 0;

  constructor(
    private readonly plan: TcpPlan,
    sink: ProbeSink,
    tag: number,
  ) {
    super(plan.timeoutDetail, sink, tag);
  }

  protected onConnected(): void {
    this.pass("connected");
  }

  protected onSent(): void {
    this.pass(`connected, sent ${this.plan.send?.length ?? 0} bytes`, "graceful");
  }

  protected onData(chunk: Buffer): void {
    const { expect, readLimit } = this.plan;
    if (expect === undefined) return;
    this.size += chunk.length;
    // The chunk is the engine's shared buffer: judge it in place, copy only what waits for more.
    const seen = this.received === undefined ? chunk : Buffer.concat([...this.received, chunk], this.size);
    if (seen.subarray(0, readLimit).includes(expect)) this.pass(`expected ${expect.length} bytes seen`);
    else if (this.size >= readLimit)
      this.fail("expect-mismatch", `expected bytes not in the first ${readLimit} bytes`);
    else this.received = [seen === chunk ? Buffer.from(chunk) : seen];
  }

  protected onEnd(): void {
    if (this.size === 0) this.fail("closed", "peer closed without answering");
    else this.fail("expect-mismatch", `peer closed after ${this.size} bytes without the expected ones`);
  }
}

function runTcp(
  o: TcpProbeOptions,
  send: Buffer | undefined,
  expect: Buffer | undefined,
  readLimit: number,
  target: ProbeTarget,
  signal: AbortSignal | undefined,
): Promise<ProbeResult> {
  const a = new Attempt(o.timeoutMs, signal, `not done within ${o.timeoutMs} ms`);
  if (a.done) return a.promise;
  const localAddress = sourceFor(target.address, o);
  let s: Socket;
  try {
    // An IP literal is connected to directly; net only resolves host names. No
    // TCP_NODELAY: we write at most once, and Nagle never holds a first segment.
    s = connect({
      host: target.address,
      port: o.port,
      ...(localAddress === undefined ? {} : { localAddress }),
    });
  } catch (e: unknown) {
    a.error(e);
    return a.promise;
  }
  a.attach(s, true);
  // Without `expect` nothing is read: a paused socket is not registered for reading on connect.
  if (expect === undefined) s.pause();
  s.once("connect", () => {
    if (send !== undefined) {
      s.write(send, (e?: Error | null) => {
        if (e !== undefined && e !== null) return; // reported by the "error" event
        // Our bytes may still be in flight: close gracefully so they are delivered.
        if (expect === undefined) a.pass(`connected, sent ${send.length} bytes`, "graceful");
      });
    } else if (expect === undefined) {
      a.pass("connected");
    }
  });
  if (expect === undefined) return a.promise;
  const received: Buffer[] = [];
  let size = 0;
  s.on("data", (chunk: Buffer) => {
    received.push(chunk);
    size += chunk.length;
    const seen = received.length === 1 ? chunk : Buffer.concat(received, size);
    if (seen.subarray(0, readLimit).includes(expect)) a.pass(`expected ${expect.length} bytes seen`);
    else if (size >= readLimit)
      a.fail("expect-mismatch", `expected bytes not in the first ${readLimit} bytes`);
  });
  s.on("end", () => {
    if (size === 0) a.fail("closed", "peer closed without answering");
    else a.fail("expect-mismatch", `peer closed after ${size} bytes without the expected ones`);
  });
  return a.promise;
}
