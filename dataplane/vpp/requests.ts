/**
 * Requests in flight on a VPP session (maglev-vpp §6.6): each gets a fresh
 * non-zero context, its own deadline, and is settled by the reply carrying
 * that context. A call ends with its reply (a non-zero `retval` rejects with
 * `VPP_E_RETVAL`); a dump collects its details until the `control_ping`
 * reply sent on the same context closes it.
 *
 * The table never touches the socket's lifecycle: the client decodes each
 * frame and hands it to `deliver`, and fails everything with `failAll` when
 * the session drops.
 */
import type { RequestFields } from "./client-types.js";
import { VppError, type VppErrorCode } from "./errors.js";
import { encodeFrame } from "./framing.js";
import type { VppSession } from "./handshake.js";
import * as M from "./messages.js";
import { encodeMessage, type FieldList, type MessageDef, type ValueOf } from "./schema.js";
import type { TimerApi, TimerHandle } from "./timers.js";

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

/** The context → pending-request map of one client (it outlives sessions; contexts keep counting). */
export class RequestTable {
  readonly #pending = new Map<number, Pending>();
  #context = 0;

  constructor(private readonly timers: TimerApi) {}

  /** A fresh context: any unique non-zero u32 works (§6.6); wrap before 2^32 and skip 0. */
  nextContext(): number {
    this.#context = (this.#context % 0xfffffffe) + 1;
    return this.#context;
  }

  /** Whether a request waits on `ctx`. */
  has(ctx: number): boolean {
    return this.#pending.has(ctx);
  }

  #ids(session: VppSession | undefined, defs: readonly MessageDef<FieldList>[]) {
    if (session === undefined) throw new VppError("VPP_E_NOT_CONNECTED", "not connected to VPP");
    const ids = defs.map((d) => {
      const id = session.nameToId.get(d.nameCrc);
      if (id === undefined)
        throw new VppError("VPP_E_MISSING_MESSAGE", `VPP lacks ${d.nameCrc}`, { missing: [d.nameCrc] });
      return id;
    });
    return { conn: session, ids };
  }

  /** Send `req` on `session` and await `reply`; rejects on retval ≠ 0, timeout or `failAll`. */
  call<Q extends FieldList, R extends FieldList>(
    session: VppSession | undefined,
    req: MessageDef<Q>,
    reply: MessageDef<R>,
    fields: RequestFields<Q>,
    timeoutMs: number,
  ): Promise<ValueOf<R>> {
    return new Promise<ValueOf<R>>((resolve, reject) => {
      const { conn, ids } = this.#ids(session, [req, reply]);
      const context = this.nextContext();
      const timer = this.timers.setTimeout(() => {
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
    session: VppSession | undefined,
    req: MessageDef<Q>,
    details: MessageDef<D>,
    fields: RequestFields<Q>,
    timeoutMs: number,
  ): Promise<ValueOf<D>[]> {
    return new Promise<ValueOf<D>[]>((resolve, reject) => {
      const { conn, ids } = this.#ids(session, [req, details, M.ControlPing, M.ControlPingReply]);
      const context = this.nextContext();
      const timer = this.timers.setTimeout(() => {
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

  /**
   * A decoded message `def` (wire id `id`) for context `ctx`. Returns
   * undefined when it settled or advanced a request, otherwise the detail of
   * the protocol error (no request on that context, or not a message it expects).
   */
  deliver(
    ctx: number,
    id: number,
    def: MessageDef<FieldList>,
    v: Record<string, unknown>,
  ): string | undefined {
    const p = this.#pending.get(ctx);
    if (p === undefined) return `${def.name} for context ${ctx}`;
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
      return `${def.name} for ${p.request}`;
    }
    return undefined;
  }

  /** Reject the request on `ctx` (an undecodable reply to it); no-op when none waits. */
  reject(ctx: number, error: VppError): void {
    const p = this.#pending.get(ctx);
    if (p !== undefined) this.#settle(ctx, p, error);
  }

  /** Reject every request in flight (the session dropped or the client stopped). */
  failAll(code: VppErrorCode, message: string): void {
    for (const [ctx, p] of this.#pending) {
      this.timers.clearTimeout(p.timer);
      this.#pending.delete(ctx);
      p.reject(new VppError(code, `${p.request}: ${message}`));
    }
  }

  #settle(
    ctx: number,
    p: Pending,
    outcome: VppError | Record<string, unknown> | Record<string, unknown>[],
  ): void {
    this.#pending.delete(ctx);
    this.timers.clearTimeout(p.timer);
    if (outcome instanceof VppError) p.reject(outcome);
    else if (p.kind === "call" && !Array.isArray(outcome)) p.resolve(outcome);
    else if (p.kind === "dump" && Array.isArray(outcome)) p.resolve(outcome);
  }
}
