/**
 * VPP binary-API client over the Unix stream socket (maglev-vpp §6.6).
 *
 *  - framing: 16-byte header (`framing.ts`);
 *  - handshake: `sockclnt_create` (fixed id 15) → client index + the
 *    `name_crc → id` table; every other id is resolved from that table, and a
 *    VPP lacking a required `name_crc` is refused with `VPP_E_MISSING_MESSAGE`;
 *  - requests: a fresh non-zero context each, demultiplexed on reply, each
 *    with its own deadline; a non-zero retval rejects with `VPP_E_RETVAL`;
 *  - dumps: request, then `control_ping` on the same context; the ping reply
 *    closes the dump;
 *  - liveness: `control_ping` every 10 s; VPP's `memclnt_keepalive` is answered;
 *  - reconnect: after any drop, exponential backoff (0.5 s doubling to 5 s,
 *    the upstream retry interval), forever, until `stop()`.
 *
 * The handshake lives in `handshake.ts`, the context → request table in
 * `requests.ts`; this file owns the lifecycle: the session in use, liveness,
 * keepalive answers and reconnects. Timer functions are injected
 * (`timers.ts`) for deterministic tests.
 */
import type {
  RequestFields,
  ResolvedClientOptions,
  VppClientEvent,
  VppClientOptions,
  VppClientState,
} from "./client-types.js";
import { VppError, type VppErrorCode } from "./errors.js";
import { encodeFrame } from "./framing.js";
import { handshake, type VppSession } from "./handshake.js";
import * as M from "./messages.js";
import { RequestTable } from "./requests.js";
import {
  decodeMessage,
  encodeMessage,
  type FieldList,
  type MessageDef,
  peekMsgId,
  type ValueOf,
} from "./schema.js";
import { realTimers, type TimerHandle } from "./timers.js";

export type { RequestFields, VppClientEvent, VppClientOptions, VppClientState } from "./client-types.js";

/** The client. One instance owns at most one socket at a time. */
export class VppClient {
  readonly #o: ResolvedClientOptions;
  readonly #listeners = new Set<(e: VppClientEvent) => void>();
  readonly #requests: RequestTable;
  #conn: VppSession | undefined;
  #state: VppClientState = "idle";
  #attempt = 0;
  #retryTimer: TimerHandle | undefined;
  #pingTimer: TimerHandle | undefined;
  /** Set by `start()`: reconnect after drops. */
  #running = false;

  constructor(options: VppClientOptions) {
    this.#o = {
      socketPath: options.socketPath,
      clientName: options.clientName ?? "magnetite",
      required: options.required ?? M.REQUIRED_FOR_LB,
      requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      pingIntervalMs: options.pingIntervalMs ?? 10_000,
      pingTimeoutMs: options.pingTimeoutMs ?? 2_000,
      reconnectInitialMs: options.reconnectInitialMs ?? 500,
      reconnectMaxMs: options.reconnectMaxMs ?? 5_000,
      timers: options.timers ?? realTimers,
    };
    this.#requests = new RequestTable(this.#o.timers);
  }

  /** Current lifecycle state. */
  get state(): VppClientState {
    return this.#state;
  }

  /** True while a session is established. */
  get connected(): boolean {
    return this.#state === "connected";
  }

  /** Subscribe to lifecycle events; returns the unsubscribe function. */
  on(listener: (e: VppClientEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(e: VppClientEvent): void {
    for (const l of [...this.#listeners]) l(e);
  }

  /** True when the connected VPP knows `def` (same name and CRC). */
  has(def: MessageDef<FieldList>): boolean {
    return this.#conn?.nameToId.has(def.nameCrc) ?? false;
  }

  /** Connect now and keep reconnecting after every drop until `stop()`. */
  start(): void {
    if (this.#running || this.#state === "stopped") return;
    this.#running = true;
    this.#attemptConnect();
  }

  #attemptConnect(): void {
    this.#retryTimer = undefined;
    this.#state = "connecting";
    this.connectOnce().then(
      () => {
        this.#attempt = 0;
      },
      (e: unknown) => {
        if (this.#state === "stopped") return;
        const code: VppErrorCode = e instanceof VppError ? e.code : "VPP_E_CONNECT";
        const delay = Math.min(this.#o.reconnectInitialMs * 2 ** this.#attempt, this.#o.reconnectMaxMs);
        this.#attempt++;
        this.#emit({
          kind: "connect-failed",
          code,
          detail: e instanceof Error ? e.message : String(e),
          retryInMs: delay,
        });
        this.#scheduleReconnect(delay);
      },
    );
  }

  #scheduleReconnect(delay: number): void {
    if (this.#state === "stopped") return;
    this.#state = "waiting";
    this.#retryTimer = this.#o.timers.setTimeout(() => this.#attemptConnect(), delay);
  }

  /** One connection attempt with handshake; rejects with a `VppError`. */
  async connectOnce(): Promise<void> {
    if (this.#conn !== undefined) return;
    const conn = await handshake(this.#o, this.#requests.nextContext(), (session, early) =>
      this.#adopt(session, early),
    );
    // A first ping proves the session works and yields VPP's pid.
    let pong: ValueOf<typeof M.ControlPingReply.fields>;
    try {
      pong = await this.#request(M.ControlPing, M.ControlPingReply, {}, this.#o.pingTimeoutMs);
    } catch (e: unknown) {
      this.#drop(conn, "VPP_E_HANDSHAKE", "first control_ping failed");
      throw e instanceof VppError ? e : new VppError("VPP_E_HANDSHAKE", String(e));
    }
    // Re-read through a call: the `undefined` check above would otherwise narrow the field for good.
    if (this.#session() !== conn) throw new VppError("VPP_E_DISCONNECTED", "dropped during handshake");
    this.#state = "connected";
    this.#armPing(conn);
    this.#emit({
      kind: "connected",
      clientIndex: conn.clientIndex,
      messages: conn.nameToId.size,
      vpePid: pong.vpe_pid,
    });
  }

  #session(): VppSession | undefined {
    return this.#conn;
  }

  #adopt(conn: VppSession, early: readonly Buffer[]): void {
    this.#conn = conn;
    conn.socket.on("data", (chunk: Buffer) => {
      if (this.#conn !== conn) return;
      const frames = conn.reader.push(chunk);
      if (!frames.ok) return this.#drop(conn, "VPP_E_FRAME_TOO_LARGE", `frame length ${frames.error.length}`);
      for (const f of frames.value) this.#dispatch(conn, f);
    });
    conn.socket.on("error", () => undefined);
    conn.socket.on("close", () => this.#drop(conn, "VPP_E_DISCONNECTED", "VPP closed the socket"));
    for (const f of early) this.#dispatch(conn, f);
  }

  #armPing(conn: VppSession): void {
    if (this.#o.pingIntervalMs <= 0) return;
    this.#pingTimer = this.#o.timers.setTimeout(() => {
      this.#pingTimer = undefined;
      if (this.#conn !== conn) return;
      this.#request(M.ControlPing, M.ControlPingReply, {}, this.#o.pingTimeoutMs).then(
        () => this.#armPing(conn),
        (e: unknown) => {
          if (e instanceof VppError && e.code === "VPP_E_TIMEOUT")
            this.#drop(conn, "VPP_E_TIMEOUT", "liveness ping unanswered");
        },
      );
    }, this.#o.pingIntervalMs);
  }

  #drop(conn: VppSession, code: VppErrorCode, detail: string, wasUp = this.#state === "connected"): void {
    if (this.#conn !== conn) return;
    this.#conn = undefined;
    conn.socket.destroy();
    if (this.#pingTimer !== undefined) this.#o.timers.clearTimeout(this.#pingTimer);
    this.#pingTimer = undefined;
    this.#requests.failAll("VPP_E_DISCONNECTED", `connection lost: ${detail}`);
    if (this.#state === "stopped") {
      if (wasUp) this.#emit({ kind: "disconnected", code, detail });
      return;
    }
    // Only a drop of an established session reconnects from here; a failed
    // handshake is retried by the connect loop that started it.
    if (!wasUp) return;
    this.#state = "idle";
    this.#emit({ kind: "disconnected", code, detail });
    if (this.#running) this.#scheduleReconnect(this.#o.reconnectInitialMs);
  }

  #dispatch(conn: VppSession, payload: Buffer): void {
    const id = peekMsgId(payload);
    const def = id === undefined ? undefined : conn.idToDef.get(id);
    if (id === undefined || def === undefined) {
      this.#emit({
        kind: "protocol-error",
        code: "VPP_E_UNKNOWN_MESSAGE",
        detail: `message id ${String(id)}`,
      });
      return;
    }
    const r = decodeMessage(def, payload);
    if (!r.ok) {
      const at = def.contextOffset;
      const ctx = at !== undefined && payload.length >= at + 4 ? payload.readUInt32BE(at) : undefined;
      this.#emit({ kind: "protocol-error", code: r.error.code, detail: def.name });
      if (ctx !== undefined)
        this.#requests.reject(
          ctx,
          new VppError("VPP_E_DECODE", `${def.name}: ${r.error.code}`, { ...r.error }),
        );
      return;
    }
    const v = r.value.value as Record<string, unknown>;
    if (def === M.MemclntKeepalive) {
      this.#emit({ kind: "keepalive" });
      const replyId = conn.nameToId.get(M.MemclntKeepaliveReply.nameCrc);
      if (replyId !== undefined) {
        const context = typeof v["context"] === "number" ? v["context"] : 0;
        conn.socket.write(
          encodeFrame(encodeMessage(M.MemclntKeepaliveReply, replyId, { context, retval: 0 })),
        );
      }
      return;
    }
    const ctx = typeof v["context"] === "number" ? v["context"] : -1;
    const unexpected = this.#requests.deliver(ctx, id, def, v);
    if (unexpected !== undefined)
      this.#emit({ kind: "protocol-error", code: "VPP_E_UNEXPECTED_REPLY", detail: unexpected });
  }

  /** Send a request and await its reply; rejects on retval ≠ 0, timeout or disconnect. */
  call<Q extends FieldList, R extends FieldList>(
    req: MessageDef<Q>,
    reply: MessageDef<R>,
    fields: RequestFields<Q>,
  ): Promise<ValueOf<R>> {
    return this.#request(req, reply, fields, this.#o.requestTimeoutMs);
  }

  #request<Q extends FieldList, R extends FieldList>(
    req: MessageDef<Q>,
    reply: MessageDef<R>,
    fields: RequestFields<Q>,
    timeoutMs: number,
  ): Promise<ValueOf<R>> {
    return this.#requests.call(this.#conn, req, reply, fields, timeoutMs);
  }

  /** Send a dump, close it with `control_ping` on the same context, and collect the details. */
  dump<Q extends FieldList, D extends FieldList>(
    req: MessageDef<Q>,
    details: MessageDef<D>,
    fields: RequestFields<Q>,
  ): Promise<ValueOf<D>[]> {
    return this.#requests.dump(this.#conn, req, details, fields, this.#o.requestTimeoutMs);
  }

  /** Close the session (`sockclnt_delete`, short wait) and stop reconnecting. */
  async stop(): Promise<void> {
    const wasConnected = this.#conn;
    const wasUp = this.#state === "connected";
    this.#running = false;
    this.#state = "stopped";
    if (this.#retryTimer !== undefined) this.#o.timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (wasConnected !== undefined) {
      try {
        await this.#request(
          M.SockclntDelete,
          M.SockclntDeleteReply,
          { index: wasConnected.clientIndex },
          500,
        );
      } catch {
        // Best effort: VPP may already be gone; closing the socket is what matters.
      }
      this.#drop(wasConnected, "VPP_E_STOPPED", "client stopped", wasUp);
    }
    this.#requests.failAll("VPP_E_STOPPED", "client stopped");
  }

  /** Drop the current connection as if VPP had (tests, operator "reconnect"). */
  disconnect(): void {
    if (this.#conn !== undefined) this.#drop(this.#conn, "VPP_E_DISCONNECTED", "disconnect requested");
  }
}
