/**
 * One TCP/HTTP probe on the addon's native stream-probe engine
 * (`dgram-extended`, `startStreamProbe`): the engine connects, writes the
 * request, reads, enforces the deadline and closes; this object turns its
 * events into a {@link ProbeResult}. It settles exactly once, is linked to
 * (not listening on) the owner's signal like `attempt.ts`, and the socket is
 * closed before the result is delivered (probe.ts contract).
 *
 * Why: a `net.Socket` per probe (TCPWrap, stream state, event emitter,
 * connect request, callbacks) was about 30 µs of a 62 µs probe at 5,000
 * probes/s in bench/health; here a probe is one native record and one call
 * into JS per batch of completions.
 *
 * Closing is attempt.ts's rule, applied by the engine where it decides alone:
 * a handshake with nothing to send ends with a reset, a write we will not
 * read after ends gracefully, and `pass`/`fail` choose for probes that read.
 * The deadline is the engine's (event-loop clock, refreshed when the probe
 * starts, whole milliseconds rounded up; before timing a probe out the engine
 * looks at its socket, so one that became ready during a long turn still
 * completes), and a timeout is reported as `timeout` with the same detail as
 * the Node-socket path.
 *
 * Only IP literals take this path; a check that names a host keeps the
 * Node-socket path, which resolves names.
 */
import { isIP } from "node:net";
import { performance } from "node:perf_hooks";
import {
  finishStreamProbe,
  StreamEvent,
  type StreamProbeListener,
  type StreamTarget,
  startStreamProbe,
  type SystemError,
} from "dgram-extended";
import { assertNever } from "../../protocols/common/assert-never.js";
import { type Millis, millis } from "../../protocols/common/time.js";
import type { ProbeFailureCode, ProbeResult } from "../../protocols/health/probe-result.js";
import { probeFailure, probePass } from "../../protocols/health/probe-result.js";
import type { CloseMode } from "./attempt.js";
import { classifyError } from "./classify.js";
import type { ProbeSink, ProbeTarget } from "./probe.js";
import { LastSignal, linkWaiter, unlinkWaiter, type Waiter, type WaiterList } from "./waiters.js";

/** A probe's sink-form `start` (probe.ts `Probe.start`, with the signal optional as `runViaSink` passes it). */
export type SinkStart = (
  target: ProbeTarget,
  signal: AbortSignal | undefined,
  sink: ProbeSink,
  tag: number,
) => void;

/**
 * The sink-form `start` of a TCP or HTTP probe: an IP literal goes to the
 * native engine as `attempt(sink, tag)`, a host name to `viaNode` (Node
 * sockets resolve names). A probe serves one backend, so the compiled native
 * target of the last address is kept (and `isIP`, a regex, skipped for it),
 * and so is the waiter list of the signal handed in last (waiters.ts,
 * `LastSignal`): the owner hands in the same signal probe after probe.
 */
export function nativeStart(
  compile: (address: string) => StreamTarget,
  viaNode: (target: ProbeTarget, signal: AbortSignal | undefined) => Promise<ProbeResult>,
  attempt: (sink: ProbeSink, tag: number) => StreamAttempt,
  timeoutMs: number,
): SinkStart {
  let lastAddress: string | undefined;
  let lastTarget: StreamTarget | undefined;
  const lastSignal = new LastSignal();
  return (target, signal, sink, tag) => {
    if (target.address !== lastAddress || lastTarget === undefined) {
      if (isIP(target.address) === 0) {
        void viaNode(target, signal).then((r) => sink.probeDone(tag, r));
        return;
      }
      lastTarget = compile(target.address);
      lastAddress = target.address;
    }
    attempt(sink, tag).begin(lastTarget, timeoutMs, signal, lastSignal);
  };
}

/** A native probe in progress; its result goes to `sink.probeDone(tag, …)` exactly once. */
export abstract class StreamAttempt implements StreamProbeListener, Waiter {
  private readonly started = performance.now();
  /** The engine's id while the native probe is open; -1 once it ended. */
  private id = -1;
  private settled = false;
  waiters: WaiterList | undefined = undefined;
  prevWaiter: Waiter | undefined = undefined;
  nextWaiter: Waiter | undefined = undefined;

  constructor(
    private readonly timeoutDetail: string,
    private readonly sink: ProbeSink,
    private readonly tag: number,
  ) {}

  /**
   * Start the native probe under the owner's `signal` (an aborted one
   * settles at once, as `aborted`, without opening anything). `last`: the
   * probe's cache of the signal it was handed last (waiters.ts).
   */
  begin(target: StreamTarget, timeoutMs: number, signal: AbortSignal | undefined, last?: LastSignal): void {
    if (signal !== undefined && !(last === undefined ? linkWaiter(this, signal) : last.link(this, signal))) {
      this.aborted();
      return;
    }
    this.id = startStreamProbe(target, timeoutMs, this);
  }

  /** True once a result is decided. */
  get done(): boolean {
    return this.settled;
  }

  /** Milliseconds since the attempt began, to the microsecond. */
  elapsed(): Millis {
    return millis(Math.round((performance.now() - this.started) * 1000) / 1000);
  }

  /** The owner cancelled the probe. */
  aborted(): void {
    this.fail("aborted", "probe cancelled by its owner");
  }

  pass(detail: string, close: CloseMode = "reset"): void {
    this.finish(probePass(detail, this.elapsed()), close);
  }

  fail(code: ProbeFailureCode, detail: string, close: CloseMode = "graceful"): void {
    this.finish(probeFailure(code, detail, this.elapsed()), close);
  }

  /** The handshake completed (nothing to send or read); the engine closed with a reset. */
  protected abstract onConnected(): void;
  /** The request was written (nothing to read); the engine closed gracefully. */
  protected abstract onSent(): void;
  /** Bytes read; `data` is only valid during the call (copy what you keep). */
  protected abstract onData(data: Buffer): void;
  /** The peer closed after everything given to `onData`. */
  protected abstract onEnd(): void;

  onStreamEvent(event: StreamEvent, data: Buffer, error: SystemError | undefined): void {
    // Every event but `data` means the engine has closed the socket.
    if (event !== StreamEvent.data) this.id = -1;
    if (this.settled) return;
    switch (event) {
      case StreamEvent.connected:
        this.onConnected();
        break;
      case StreamEvent.sent:
        this.onSent();
        break;
      case StreamEvent.data:
        this.onData(data);
        break;
      case StreamEvent.end:
        if (data.length > 0) this.onData(data);
        if (!this.settled) this.onEnd();
        break;
      case StreamEvent.error: {
        // Bytes read just before a reset are judged first, as a socket's
        // `data` events come before its `error`.
        if (data.length > 0) this.onData(data);
        if (this.settled) break;
        const c = classifyError(error);
        this.fail(c.code, c.detail);
        break;
      }
      case StreamEvent.timeout:
        this.fail("timeout", this.timeoutDetail);
        break;
      default:
        assertNever(event, "stream event");
    }
  }

  private finish(result: ProbeResult, close: CloseMode): void {
    if (this.settled) return;
    this.settled = true;
    unlinkWaiter(this);
    if (this.id >= 0) {
      finishStreamProbe(this.id, close);
      this.id = -1;
    }
    this.sink.probeDone(this.tag, result);
  }
}
