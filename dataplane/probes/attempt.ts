/**
 * One probe attempt on one socket: settles exactly once, with one timer for
 * the deadline, linked to (not listening on) the owner's signal, and closes
 * its socket before the result is delivered (probe.ts contract).
 *
 * This replaces, on the TCP/HTTP path, the combined signal of `deadline.ts`
 * (a fresh AbortController per probe plus two listeners): at thousands of
 * probes per second those allocations and EventTarget operations were a
 * measurable part of a probe (bench/health). ICMP still uses `deadline.ts`.
 *
 * Closing: once a plain TCP connection has done its job — the handshake for
 * a connect-only check, or an answer received — it is closed with a reset
 * (SO_LINGER 0), as HAProxy's checks do. A FIN close would leave the checker
 * with a TIME_WAIT socket per probe for 60 s: 300,000 of them at 5,000
 * probes/s, more than `tcp_max_tw_buckets`, and each costs the kernel port
 * search on the next connect. When our own bytes may still be unacknowledged
 * (`send` without `expect`), the close stays graceful so they are delivered.
 *
 * The deadline is real time from the start (`performance.now()`). libuv runs
 * due timers before it polls for I/O, so when a long turn outlasts the
 * deadline, an answer that arrived during it is still waiting for the poll
 * phase: the timeout is declared from `setImmediate` (after that poll phase),
 * and only if nothing settled the attempt meanwhile. And `setTimeout` counts
 * whole milliseconds of the loop's clock (truncated), so it can fire up to a
 * millisecond early; an early timer re-arms for the rest.
 */
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { type Millis, millis } from "../../protocols/common/time.js";
import type { ProbeFailureCode, ProbeResult } from "../../protocols/health/probe-result.js";
import { probeFailure, probePass } from "../../protocols/health/probe-result.js";
import { classifyError } from "./classify.js";
import { linkWaiter, unlinkWaiter, type Waiter, type WaiterList } from "./waiters.js";

/** Largest delay `setTimeout` honours (2^31 − 1 ms); larger values fire at once. */
const MAX_TIMEOUT_MS = 0x7fff_ffff;

/** How to close the socket when settling. */
export type CloseMode = "reset" | "graceful";

/** A probe in progress; `promise` resolves with its result, never rejects. */
export class Attempt implements Waiter {
  readonly promise: Promise<ProbeResult>;
  private resolve!: (r: ProbeResult) => void;
  private readonly started = performance.now();
  /** `performance.now()` at which the attempt times out. */
  private readonly deadline: number;
  private readonly timeoutDetail: string;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private socket: Socket | undefined;
  /** Plain TCP (a reset is possible) rather than TLS over TCP. */
  private plain = false;
  private settled = false;
  /** Links in the owner signal's list of attempts (waiters.ts). */
  waiters: WaiterList | undefined = undefined;
  prevWaiter: Waiter | undefined = undefined;
  nextWaiter: Waiter | undefined = undefined;

  constructor(timeoutMs: number, signal: AbortSignal | undefined, timeoutDetail: string) {
    this.promise = new Promise((resolve) => {
      this.resolve = resolve;
    });
    this.timeoutDetail = timeoutDetail;
    const ms = Math.min(MAX_TIMEOUT_MS, Math.max(0, timeoutMs));
    this.deadline = this.started + ms;
    if (signal !== undefined && !linkWaiter(this, signal)) {
      this.aborted();
      return;
    }
    // Round up so a fractional timeout never cuts a probe short.
    this.timer = setTimeout(Attempt.expire, Math.ceil(ms), this);
  }

  /** The timer fired: re-arm if it was early, else time out after this iteration's poll phase. */
  private static expire(a: Attempt): void {
    a.timer = undefined;
    if (a.settled) return;
    const left = a.deadline - performance.now();
    if (left > 0) a.timer = setTimeout(Attempt.expire, Math.ceil(left), a);
    else setImmediate(Attempt.timeOut, a);
  }

  /** Nothing settled the attempt in the poll phase after its deadline. */
  private static timeOut(a: Attempt): void {
    a.fail("timeout", a.timeoutDetail);
  }

  /** The owner cancelled the probe. */
  aborted(): void {
    this.fail("aborted", "probe cancelled by its owner");
  }

  /** True once a result is decided. */
  get done(): boolean {
    return this.settled;
  }

  /** Milliseconds since the attempt began, to the microsecond. */
  elapsed(): Millis {
    return millis(Math.round((performance.now() - this.started) * 1000) / 1000);
  }

  /** The socket to close on settling; `plain` when it is a TCP socket (not TLS). */
  attach(socket: Socket, plain: boolean): void {
    this.socket = socket;
    this.plain = plain;
    socket.on("error", (e: unknown) => this.error(e));
    if (this.settled) socket.destroy();
  }

  pass(detail: string, close: CloseMode = "reset"): void {
    this.finish(probePass(detail, this.elapsed()), close);
  }

  fail(code: ProbeFailureCode, detail: string, close: CloseMode = "graceful"): void {
    this.finish(probeFailure(code, detail, this.elapsed()), close);
  }

  /** A socket, TLS or parser error, classified (classify.ts). */
  error(e: unknown): void {
    const c = classifyError(e);
    this.fail(c.code, c.detail);
  }

  private finish(result: ProbeResult, close: CloseMode): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    unlinkWaiter(this);
    const s = this.socket;
    if (s !== undefined && !s.destroyed) {
      // resetAndDestroy needs an established plain TCP handle; anything else is destroyed.
      if (close === "reset" && this.plain && !s.connecting) s.resetAndDestroy();
      else s.destroy();
    }
    this.resolve(result);
  }
}
