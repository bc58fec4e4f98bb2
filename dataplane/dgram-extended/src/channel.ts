/**
 * The receive plumbing shared by UDP, ICMP and netlink sockets: owns the
 * native socket and its metadata array, starts event-driven receive on the
 * libuv loop, and guarantees that nothing thrown by user code escapes into
 * the event loop (a throwing listener becomes an `error` event; an `error`
 * with no listener becomes a process warning).
 */
import { type BatchCallback, K, type NativeSocket } from "./native-binding.js";
import { closedError, codedError, toError } from "./errors.js";

/** How a socket drains its receive queue. */
export interface ReceiveTuning {
  /** Datagrams per recvmmsg(2) call, and per JS callback (1..1024). */
  readonly batchSize: number;
  /**
   * Datagrams read per readable event before yielding to the loop, so one
   * busy socket cannot starve timers and other sockets.
   */
  readonly maxPerEvent: number;
  /** Largest datagram received whole; longer ones arrive with `truncated` set. */
  readonly maxMessageSize: number;
}

/** 64 per batch and 256 per event: large enough to amortise the JS call, small enough to keep the loop fair. */
export const DEFAULT_TUNING: ReceiveTuning = { batchSize: 64, maxPerEvent: 256, maxMessageSize: 65535 };

/** Validates tuning fields given by a caller, falling back to the defaults. */
export function tuningFrom(
  o: Partial<ReceiveTuning>,
  fallback: ReceiveTuning = DEFAULT_TUNING,
): ReceiveTuning {
  const t = {
    batchSize: o.batchSize ?? fallback.batchSize,
    maxPerEvent: o.maxPerEvent ?? fallback.maxPerEvent,
    maxMessageSize: o.maxMessageSize ?? fallback.maxMessageSize,
  };
  const intIn = (v: number, lo: number, hi: number): boolean => Number.isInteger(v) && v >= lo && v <= hi;
  if (
    !intIn(t.batchSize, 1, 1024) ||
    !intIn(t.maxPerEvent, 1, 1 << 20) ||
    !intIn(t.maxMessageSize, 1, 262144)
  ) {
    throw codedError("ERR_OUT_OF_RANGE", "batchSize 1..1024, maxPerEvent >= 1, maxMessageSize 1..262144");
  }
  return t;
}

/** Receives one decoded batch; `strings` is undefined for netlink. */
export type BatchHandler = (
  count: number,
  meta: Int32Array,
  data: Buffer,
  strings: readonly (string | undefined)[] | undefined,
  rxTime: bigint,
) => void;

/** Delivers an error to an emitter without ever throwing. */
export function reportError(
  target: { listenerCount(e: "error"): number; emit(e: "error", err: Error): boolean },
  error: Error,
): void {
  if (target.listenerCount("error") === 0) {
    process.emitWarning(error);
    return;
  }
  try {
    target.emit("error", error);
  } catch (e) {
    process.emitWarning(toError(e));
  }
}

/** Wraps an exception thrown by a listener so it can travel as an `error` event. */
export function listenerError(event: string, cause: unknown): Error {
  return codedError("ERR_DGRAM_EXT_LISTENER", `a '${event}' listener threw: ${toError(cause).message}`, {
    cause,
  });
}

/** A native socket plus its receive state. */
export class Channel {
  readonly native: NativeSocket;
  readonly tuning: ReceiveTuning;
  readonly meta: Int32Array;
  #closed = false;
  #refed = true;
  readonly #callback: BatchCallback;

  constructor(
    native: NativeSocket,
    tuning: ReceiveTuning,
    onBatch: BatchHandler,
    onError: (e: Error) => void,
  ) {
    this.native = native;
    this.tuning = tuning;
    this.meta = new Int32Array(tuning.batchSize * K.META_STRIDE);
    const meta = this.meta;
    this.#callback = (err, count, data, strings, rxTime) => {
      try {
        if (err !== null) {
          onError(err);
        } else if (count !== undefined && data !== undefined && rxTime !== undefined) {
          onBatch(count, meta, data, strings, rxTime);
        }
      } catch (e) {
        onError(toError(e));
      }
    };
  }

  /** True once `close()` ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Throws `ERR_SOCKET_CLOSED` when closed; returns the native socket otherwise. */
  open(): NativeSocket {
    if (this.#closed) throw closedError();
    return this.native;
  }

  /** Starts (or restarts) event-driven receive. */
  start(): void {
    const t = this.tuning;
    this.open().start(this.#callback, this.meta, t.batchSize, t.maxPerEvent, t.maxMessageSize);
    this.native.setRef(this.#refed);
  }

  /** Whether an active socket keeps the event loop alive (like `dgram`'s `ref`/`unref`). */
  setRef(on: boolean): void {
    this.#refed = on;
    if (!this.#closed) this.native.setRef(on);
  }

  /** Closes the descriptor; returns false when it was already closed. */
  close(): boolean {
    if (this.#closed) return false;
    this.#closed = true;
    this.native.close();
    return true;
  }
}
