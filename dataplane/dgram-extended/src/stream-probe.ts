/**
 * Stream probes: one short TCP exchange — connect, optionally write a request,
 * optionally read the answer — run by the addon's native engine
 * (`src/native/probe.cc`), for health checks at thousands of probes a second.
 * No `net.Socket`, stream or EventEmitter exists per probe; a probe is an id,
 * and its outcome arrives as one call to a listener object.
 *
 * Events (`StreamEvent`):
 * - `connected` — the handshake completed and there was nothing to send or
 *   read; the engine closed with a reset (SO_LINGER 0). Final.
 * - `sent` — the request was written and nothing is to be read; closed
 *   gracefully so the bytes are delivered. Final.
 * - `data` — bytes were read; the socket stays open and reading continues
 *   until the listener calls {@link finishStreamProbe} (or an end, error or
 *   timeout). With `until`, the first `data` is held back until those bytes
 *   appear, `holdLimit` bytes are in, or the stream ends.
 * - `end` — the peer closed; carries the last bytes, if any. Final.
 * - `error` — a system call failed (`socket`, `bind`, `connect`, `write`,
 *   `read`); a Node-style error says which. Final.
 * - `timeout` — the deadline passed first; closed gracefully. Final.
 *
 * `data` handed to a listener is a view of a buffer shared by every probe and
 * is only valid during the call: copy what you keep.
 */
import { getSystemErrorName } from "node:util";
import { codedError, type SystemError } from "./errors.js";
import { type NativeProbeStats, type NativeProbeTarget, probeBinding as B } from "./native-binding.js";

/** What happened to a probe (see the module comment). */
export const StreamEvent = {
  connected: 1,
  sent: 2,
  data: 3,
  end: 4,
  error: 5,
  timeout: 6,
} as const;
export type StreamEvent = (typeof StreamEvent)[keyof typeof StreamEvent];

/** Where a probe goes and what it exchanges. */
export interface StreamTargetOptions {
  /** An IPv4 or IPv6 literal; IPv6 may carry `%scope` (interface name or index). No host names. */
  readonly address: string;
  readonly port: number;
  /** Source address to bind (same family as `address`); the port is chosen at connect time. */
  readonly source?: string;
  /** Bytes written once connected. */
  readonly send?: Uint8Array;
  /** Read the answer (default false: close after the handshake or the write). */
  readonly read?: boolean;
  /** Hold the first `data` event until these bytes have been read (or the limit, or the end). */
  readonly until?: Uint8Array;
  /** Bytes held at most while waiting for `until` (1..65536; default 65536). */
  readonly holdLimit?: number;
}

/** A validated, compiled target; reuse it for every probe of the same exchange. */
export class StreamTarget {
  /** @internal the native record */
  readonly native: NativeProbeTarget;
  /** @internal the native record's handle, what `probeStart` takes */
  readonly handle: number;
  readonly address: string;
  readonly port: number;
  readonly source: string | undefined;

  /** Throws a Node-style error (`EINVAL`, `ENODEV`, `EAFNOSUPPORT`) for a bad address or source. */
  constructor(o: StreamTargetOptions) {
    if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) {
      throw codedError("ERR_OUT_OF_RANGE", `port must be 1..65535, got ${o.port}`);
    }
    const hold = o.holdLimit ?? B.probeConstants.MAX_HOLD;
    if (!Number.isInteger(hold) || hold < 1 || hold > B.probeConstants.MAX_HOLD) {
      throw codedError("ERR_OUT_OF_RANGE", `holdLimit must be 1..${B.probeConstants.MAX_HOLD}, got ${hold}`);
    }
    this.native = new B.ProbeTarget(
      o.address,
      o.port,
      o.source,
      o.send,
      o.read === true,
      o.until === undefined || o.until.length === 0 ? undefined : o.until,
      hold,
    );
    this.handle = this.native.handle;
    this.address = o.address;
    this.port = o.port;
    this.source = o.source;
  }
}

/** Receives a probe's events; `data` is valid only during the call. */
export interface StreamProbeListener {
  onStreamEvent(event: StreamEvent, data: Buffer, error: SystemError | undefined): void;
}

/** Rows per batch and bytes of read data per batch (the engine flushes early when either fills). */
const ROWS = 1024;
const SLAB_BYTES = 1024 * 1024;
/** Probe ids carry their native slot in the low 20 bits (probe.cc). */
const SLOT_MASK = 0xfffff;
const PHASE_SYSCALL = ["probe", "socket", "bind", "connect", "write", "read"] as const;
const EMPTY = Buffer.alloc(0);

let stride = 0;
let rows: Int32Array | undefined;
let slab: Buffer = EMPTY;
const listeners: (StreamProbeListener | undefined)[] = [];
const targets: (StreamTarget | undefined)[] = [];
const ids: number[] = [];

function systemError(errno: number, phase: number, target: StreamTarget | undefined): SystemError {
  const syscall = PHASE_SYSCALL[phase] ?? "probe";
  let code: string;
  try {
    code = getSystemErrorName(-errno);
  } catch {
    code = `E${errno}`;
  }
  // Node's wording: "connect ECONNREFUSED 127.0.0.1:80", "bind EADDRNOTAVAIL 192.0.2.1".
  const where =
    target === undefined ? "" : phase === 2 ? ` ${target.source ?? ""}` : ` ${target.address}:${target.port}`;
  const e = codedError(code, `${syscall} ${code}${where}`, {
    syscall,
    ...(target === undefined ? {} : { address: target.address, port: target.port }),
  });
  (e as { errno?: number }).errno = -errno;
  return e;
}

/** One call per batch from the engine: `count` rows describe events, data in the slab. */
function onBatch(count: number): void {
  const r = rows;
  if (r === undefined) return;
  for (let i = 0; i < count; i++) {
    const at = i * stride;
    const id = r[at] ?? -1;
    const slot = id & SLOT_MASK;
    if (ids[slot] !== id) continue; // finished by its owner meanwhile
    const listener = listeners[slot];
    const target = targets[slot];
    const event = (r[at + 1] ?? 0) as StreamEvent;
    if (event !== StreamEvent.data) {
      // Final: forget the probe before the listener runs.
      listeners[slot] = undefined;
      targets[slot] = undefined;
      ids[slot] = -1;
    }
    if (listener === undefined) continue;
    const offset = r[at + 4] ?? 0;
    const length = r[at + 5] ?? 0;
    const data = length > 0 ? slab.subarray(offset, offset + length) : EMPTY;
    const error =
      event === StreamEvent.error ? systemError(r[at + 2] ?? 0, r[at + 3] ?? 0, target) : undefined;
    try {
      listener.onStreamEvent(event, data, error);
    } catch (e: unknown) {
      // A listener bug must not cost the rest of the batch its results.
      process.emitWarning(e instanceof Error ? e : new Error(String(e)), {
        code: "ERR_STREAM_PROBE_LISTENER",
      });
    }
  }
}

function ensureEngine(): void {
  if (rows !== undefined) return;
  stride = B.probeConstants.ROW_STRIDE;
  const r = new Int32Array(ROWS * stride);
  slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, B.probeConstants.SLAB_MIN));
  B.probeInit(onBatch, r, slab);
  rows = r;
}

/** Largest delay honoured (2^31 − 1 ms, as `setTimeout`). */
const MAX_TIMEOUT_MS = 0x7fff_ffff;

/**
 * Start a probe of `target` with a deadline of `timeoutMs` (rounded up to a
 * whole millisecond, on the event loop's clock, refreshed at the start: unlike
 * `setTimeout`, a probe started late in a long turn does not time out early).
 * Never throws for network reasons: every outcome, including a failed
 * `socket`/`bind`/`connect`, reaches `listener` asynchronously. Returns the id
 * for {@link finishStreamProbe}.
 */
export function startStreamProbe(
  target: StreamTarget,
  timeoutMs: number,
  listener: StreamProbeListener,
): number {
  ensureEngine();
  const ms = Math.min(MAX_TIMEOUT_MS, Math.max(0, Math.ceil(timeoutMs)));
  // `target` (holding its native record) is alive for the call, so its handle is valid.
  const id = B.probeStart(target.handle, ms);
  const slot = id & SLOT_MASK;
  listeners[slot] = listener;
  targets[slot] = target;
  ids[slot] = id;
  return id;
}

/**
 * Close a probe that is still open (after a `data` event, or to cancel it)
 * with a reset (SO_LINGER 0) or gracefully; no further event is delivered.
 * Returns false when the probe had already ended.
 */
export function finishStreamProbe(id: number, close: "reset" | "graceful"): boolean {
  const slot = id & SLOT_MASK;
  if (ids[slot] !== id) return false;
  listeners[slot] = undefined;
  targets[slot] = undefined;
  ids[slot] = -1;
  return B.probeFinish(id, close === "reset");
}

/** The engine's counters (for leak tests and diagnostics). */
export function streamProbeStats(): NativeProbeStats {
  return B.probeStats();
}
