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
 * Timer functions are injected (`timers.ts`) for deterministic tests.
 */
import { createConnection, type Socket } from "node:net";
import { encodeFrame, FrameReader } from "./framing.js";
import { VppError, type VppErrorCode } from "./errors.js";
import * as M from "./messages.js";
import {
  decodeMessage,
  encodeMessage,
  type FieldList,
  type MessageDef,
  peekMsgId,
  type ValueOf,
} from "./schema.js";
import { realTimers, type TimerApi, type TimerHandle } from "./timers.js";

/** Client settings. */
export interface VppClientOptions {
  readonly socketPath: string;
  /** Shown by `show api clients`. */
  readonly clientName?: string;
  /** Messages that must be in VPP's table (default: `REQUIRED_FOR_LB`). */
  readonly required?: readonly MessageDef<FieldList>[];
  readonly requestTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** 0 disables the liveness ping. */
  readonly pingIntervalMs?: number;
  readonly pingTimeoutMs?: number;
  readonly reconnectInitialMs?: number;
  readonly reconnectMaxMs?: number;
  readonly timers?: TimerApi;
}

/** Connection lifecycle and diagnostics, for the shell to log and count. */
export type VppClientEvent =
  | {
      readonly kind: "connected";
      readonly clientIndex: number;
      readonly messages: number;
      readonly vpePid: number;
    }
  | { readonly kind: "disconnected"; readonly code: VppErrorCode; readonly detail: string }
  | {
      readonly kind: "connect-failed";
      readonly code: VppErrorCode;
      readonly detail: string;
      readonly retryInMs: number;
    }
  | { readonly kind: "protocol-error"; readonly code: string; readonly detail: string }
  | { readonly kind: "keepalive" };

/** Where the client is. */
export type VppClientState = "idle" | "connecting" | "connected" | "waiting" | "stopped";

/** Request fields without the header fields the client fills in. */
export type RequestFields<F extends FieldList> = Omit<ValueOf<F>, "client_index" | "context">;

type Pending =
  | {
      readonly kind: "call";
      readonly replyId: number;
      readonly replyDef: MessageDef<FieldList>;
      readonly request: string;
      readonly resolve: (v: Record<string, unknown>) => void;
      readonly reject: (e: VppError) => void;
      readonly timer: TimerHandle;
    }
  | {
      readonly kind: "dump";
      readonly detailsId: number;
      readonly detailsDef: MessageDef<FieldList>;
      readonly pingReplyId: number;
      readonly request: string;
      readonly items: Record<string, unknown>[];
      readonly resolve: (v: Record<string, unknown>[]) => void;
      readonly reject: (e: VppError) => void;
      readonly timer: TimerHandle;
    };

interface Conn {
  readonly socket: Socket;
  readonly reader: FrameReader;
  readonly nameToId: Map<string, number>;
  readonly idToDef: Map<number, MessageDef<FieldList>>;
  readonly clientIndex: number;
}

const BY_NAME_CRC = new Map(M.ALL_MESSAGES.map((d) => [d.nameCrc, d]));

/** The client. One instance owns at most one socket at a time. */
export class VppClient {
  readonly #o: Required<Omit<VppClientOptions, "timers" | "required">> & {
    timers: TimerApi;
    required: readonly MessageDef<FieldList>[];
  };
  readonly #listeners = new Set<(e: VppClientEvent) => void>();
  readonly #pending = new Map<number, Pending>();
  #conn: Conn | undefined;
  #state: VppClientState = "idle";
  #context = 0;
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
  connectOnce(): Promise<void> {
    if (this.#conn !== undefined) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const socket = createConnection({ path: this.#o.socketPath });
      const reader = new FrameReader();
      const context = this.#nextContext();
      let settled = false;
      const fail = (code: VppErrorCode, message: string, details: Record<string, unknown> = {}): void => {
        if (settled) return;
        settled = true;
        this.#o.timers.clearTimeout(timer);
        socket.destroy();
        reject(new VppError(code, message, details));
      };
      const timer = this.#o.timers.setTimeout(
        () => fail("VPP_E_TIMEOUT", "no sockclnt_create_reply in time"),
        this.#o.connectTimeoutMs,
      );
      socket.on("error", (e: Error) =>
        fail("VPP_E_CONNECT", `cannot reach VPP at ${this.#o.socketPath}: ${e.message}`),
      );
      socket.on("close", () => fail("VPP_E_DISCONNECTED", "VPP closed the socket during the handshake"));
      socket.on("connect", () => {
        const payload = encodeMessage(M.SockclntCreate, M.SOCKCLNT_CREATE_ID, {
          context,
          name: this.#o.clientName,
        });
        socket.write(encodeFrame(payload));
      });
      const onData = (chunk: Buffer): void => {
        if (settled) return;
        const frames = reader.push(chunk);
        if (!frames.ok) {
          fail("VPP_E_FRAME_TOO_LARGE", `frame length ${frames.error.length}`);
          return;
        }
        const first = frames.value[0];
        if (first === undefined) return;
        const r = decodeMessage(M.SockclntCreateReply, first);
        if (!r.ok) {
          fail("VPP_E_HANDSHAKE", `bad sockclnt_create_reply: ${r.error.code}`, { ...r.error });
          return;
        }
        const v = r.value.value;
        if (v.context !== context || v.response !== 0) {
          fail("VPP_E_HANDSHAKE", `sockclnt_create refused (response ${v.response})`, {
            response: v.response,
          });
          return;
        }
        const nameToId = new Map<string, number>();
        const idToDef = new Map<number, MessageDef<FieldList>>();
        for (const row of v.message_table) {
          const name = row.name.replace(/\0+$/, "");
          nameToId.set(name, row.index);
          const def = BY_NAME_CRC.get(name);
          if (def !== undefined) idToDef.set(row.index, def);
        }
        const missing = this.#o.required.map((d) => d.nameCrc).filter((n) => !nameToId.has(n));
        if (missing.length > 0) {
          fail(
            "VPP_E_MISSING_MESSAGE",
            `VPP lacks ${missing.join(", ")} — the LB plugin needs API 1.2.0 (lb_as_set_weight, lb_add_del_as_v2, lb_as_v2_dump, lb_conf_get)`,
            { missing },
          );
          return;
        }
        settled = true;
        this.#o.timers.clearTimeout(timer);
        socket.removeAllListeners();
        const conn: Conn = { socket, reader, nameToId, idToDef, clientIndex: v.index };
        this.#adopt(conn, frames.value.slice(1));
        // A first ping proves the session works and yields VPP's pid.
        this.#request(M.ControlPing, M.ControlPingReply, {}, this.#o.pingTimeoutMs).then(
          (pong) => {
            if (this.#conn !== conn)
              return reject(new VppError("VPP_E_DISCONNECTED", "dropped during handshake"));
            this.#state = "connected";
            this.#armPing(conn);
            this.#emit({
              kind: "connected",
              clientIndex: v.index,
              messages: nameToId.size,
              vpePid: pong.vpe_pid,
            });
            resolve();
          },
          (e: unknown) => {
            this.#drop(conn, "VPP_E_HANDSHAKE", "first control_ping failed");
            reject(e instanceof VppError ? e : new VppError("VPP_E_HANDSHAKE", String(e)));
          },
        );
      };
      socket.on("data", onData);
    });
  }

  #adopt(conn: Conn, early: readonly Buffer[]): void {
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

  #armPing(conn: Conn): void {
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

  #drop(conn: Conn, code: VppErrorCode, detail: string, wasUp = this.#state === "connected"): void {
    if (this.#conn !== conn) return;
    this.#conn = undefined;
    conn.socket.destroy();
    if (this.#pingTimer !== undefined) this.#o.timers.clearTimeout(this.#pingTimer);
    this.#pingTimer = undefined;
    this.#failAll("VPP_E_DISCONNECTED", `connection lost: ${detail}`);
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

  #failAll(code: VppErrorCode, message: string): void {
    for (const [ctx, p] of this.#pending) {
      this.#o.timers.clearTimeout(p.timer);
      this.#pending.delete(ctx);
      p.reject(new VppError(code, `${p.request}: ${message}`));
    }
  }

  #dispatch(conn: Conn, payload: Buffer): void {
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
      const p = ctx === undefined ? undefined : this.#pending.get(ctx);
      this.#emit({ kind: "protocol-error", code: r.error.code, detail: def.name });
      if (p !== undefined && ctx !== undefined)
        this.#settle(ctx, p, new VppError("VPP_E_DECODE", `${def.name}: ${r.error.code}`, { ...r.error }));
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
    const p = this.#pending.get(ctx);
    if (p === undefined) {
      this.#emit({
        kind: "protocol-error",
        code: "VPP_E_UNEXPECTED_REPLY",
        detail: `${def.name} for context ${ctx}`,
      });
      return;
    }
    if (p.kind === "call" && id === p.replyId) {
      const rv = v["retval"];
      if (typeof rv === "number" && rv !== 0) {
        this.#settle(
          ctx,
          p,
          new VppError("VPP_E_RETVAL", `${p.request} failed with retval ${rv}`, {
            retval: rv,
            message: p.request,
          }),
        );
      } else this.#settle(ctx, p, v);
    } else if (p.kind === "dump" && id === p.detailsId) {
      p.items.push(v);
    } else if (p.kind === "dump" && id === p.pingReplyId) {
      this.#settle(ctx, p, p.items);
    } else {
      this.#emit({
        kind: "protocol-error",
        code: "VPP_E_UNEXPECTED_REPLY",
        detail: `${def.name} for ${p.request}`,
      });
    }
  }

  #settle(
    ctx: number,
    p: Pending,
    outcome: VppError | Record<string, unknown> | Record<string, unknown>[],
  ): void {
    this.#pending.delete(ctx);
    this.#o.timers.clearTimeout(p.timer);
    if (outcome instanceof VppError) p.reject(outcome);
    else if (p.kind === "call" && !Array.isArray(outcome)) p.resolve(outcome);
    else if (p.kind === "dump" && Array.isArray(outcome)) p.resolve(outcome);
  }

  #nextContext(): number {
    // Any unique non-zero u32 works (§6.6); wrap before 2^32 and skip 0.
    this.#context = (this.#context % 0xfffffffe) + 1;
    return this.#context;
  }

  #ids(defs: readonly MessageDef<FieldList>[]): { conn: Conn; ids: number[] } {
    const conn = this.#conn;
    if (conn === undefined) throw new VppError("VPP_E_NOT_CONNECTED", "not connected to VPP");
    const ids = defs.map((d) => {
      const id = conn.nameToId.get(d.nameCrc);
      if (id === undefined)
        throw new VppError("VPP_E_MISSING_MESSAGE", `VPP lacks ${d.nameCrc}`, { missing: [d.nameCrc] });
      return id;
    });
    return { conn, ids };
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
    return new Promise<ValueOf<R>>((resolve, reject) => {
      const { conn, ids } = this.#ids([req, reply]);
      const context = this.#nextContext();
      const timer = this.#o.timers.setTimeout(() => {
        const p = this.#pending.get(context);
        if (p !== undefined)
          this.#settle(context, p, new VppError("VPP_E_TIMEOUT", `${req.name}: no reply in ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(context, {
        kind: "call",
        replyId: ids[1] ?? -1,
        replyDef: reply,
        request: req.name,
        resolve: (v) => resolve(v as ValueOf<R>),
        reject,
        timer,
      });
      const value = { ...fields, client_index: conn.clientIndex, context } as unknown as ValueOf<Q>;
      conn.socket.write(encodeFrame(encodeMessage(req, ids[0] ?? 0, value)));
    });
  }

  /** Send a dump, close it with `control_ping` on the same context, and collect the details. */
  dump<Q extends FieldList, D extends FieldList>(
    req: MessageDef<Q>,
    details: MessageDef<D>,
    fields: RequestFields<Q>,
  ): Promise<ValueOf<D>[]> {
    return new Promise<ValueOf<D>[]>((resolve, reject) => {
      const { conn, ids } = this.#ids([req, details, M.ControlPing, M.ControlPingReply]);
      const context = this.#nextContext();
      const timeoutMs = this.#o.requestTimeoutMs;
      const timer = this.#o.timers.setTimeout(() => {
        const p = this.#pending.get(context);
        if (p !== undefined)
          this.#settle(
            context,
            p,
            new VppError("VPP_E_TIMEOUT", `${req.name}: dump not closed in ${timeoutMs} ms`),
          );
      }, timeoutMs);
      this.#pending.set(context, {
        kind: "dump",
        detailsId: ids[1] ?? -1,
        detailsDef: details,
        pingReplyId: ids[3] ?? -1,
        request: req.name,
        items: [],
        resolve: (v) => resolve(v as unknown as ValueOf<D>[]),
        reject,
        timer,
      });
      const hdr = { client_index: conn.clientIndex, context };
      conn.socket.write(
        encodeFrame(encodeMessage(req, ids[0] ?? 0, { ...fields, ...hdr } as unknown as ValueOf<Q>)),
      );
      conn.socket.write(encodeFrame(encodeMessage(M.ControlPing, ids[2] ?? 0, hdr)));
    });
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
    this.#failAll("VPP_E_STOPPED", "client stopped");
  }

  /** Drop the current connection as if VPP had (tests, operator "reconnect"). */
  disconnect(): void {
    if (this.#conn !== undefined) this.#drop(this.#conn, "VPP_E_DISCONNECTED", "disconnect requested");
  }
}
