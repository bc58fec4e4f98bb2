/**
 * Opening a VPP API session (maglev-vpp §6.6): connect the Unix stream
 * socket, send `sockclnt_create` under its fixed id 15, and turn the reply
 * into a session: our client index and VPP's `name_crc → id` table. A VPP
 * that lacks any required `name_crc` is refused here with
 * `VPP_E_MISSING_MESSAGE` (Appendix A: say which API is missing rather than
 * fail later on the first write).
 *
 * The session is handed to `adopt` synchronously, inside the data handler
 * that completed the handshake, so no socket event can fall between the
 * handshake's listeners and the client's.
 */
import { createConnection, type Socket } from "node:net";
import type { ResolvedClientOptions } from "./client-types.js";
import { VppError, type VppErrorCode } from "./errors.js";
import { encodeFrame, FrameReader } from "./framing.js";
import * as M from "./messages.js";
import { decodeMessage, encodeMessage, type FieldList, type MessageDef } from "./schema.js";

/** An established session: the socket and what the handshake learned. */
export interface VppSession {
  readonly socket: Socket;
  readonly reader: FrameReader;
  readonly nameToId: Map<string, number>;
  readonly idToDef: Map<number, MessageDef<FieldList>>;
  readonly clientIndex: number;
}

const BY_NAME_CRC = new Map(M.ALL_MESSAGES.map((d) => [d.nameCrc, d]));

/**
 * Connect and handshake on `context`. On success `adopt(session, early)` runs
 * first (with any frames that arrived behind the reply), then the promise
 * resolves with the session; on failure the socket is destroyed and the
 * promise rejects with a `VppError`.
 */
export function handshake(
  o: ResolvedClientOptions,
  context: number,
  adopt: (session: VppSession, early: readonly Buffer[]) => void,
): Promise<VppSession> {
  return new Promise<VppSession>((resolve, reject) => {
    const socket = createConnection({ path: o.socketPath });
    const reader = new FrameReader();
    let settled = false;
    const fail = (code: VppErrorCode, message: string, details: Record<string, unknown> = {}): void => {
      if (settled) return;
      settled = true;
      o.timers.clearTimeout(timer);
      socket.destroy();
      reject(new VppError(code, message, details));
    };
    const timer = o.timers.setTimeout(
      () => fail("VPP_E_TIMEOUT", "no sockclnt_create_reply in time"),
      o.connectTimeoutMs,
    );
    socket.on("error", (e: Error) =>
      fail("VPP_E_CONNECT", `cannot reach VPP at ${o.socketPath}: ${e.message}`),
    );
    socket.on("close", () => fail("VPP_E_DISCONNECTED", "VPP closed the socket during the handshake"));
    socket.on("connect", () => {
      const payload = encodeMessage(M.SockclntCreate, M.SOCKCLNT_CREATE_ID, { context, name: o.clientName });
      socket.write(encodeFrame(payload));
    });
    socket.on("data", (chunk: Buffer): void => {
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
        fail("VPP_E_HANDSHAKE", `sockclnt_create refused (response ${v.response})`, { response: v.response });
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
      const missing = o.required.map((d) => d.nameCrc).filter((n) => !nameToId.has(n));
      if (missing.length > 0) {
        fail(
          "VPP_E_MISSING_MESSAGE",
          `VPP lacks ${missing.join(", ")} — the LB plugin needs API 1.2.0 (lb_as_set_weight, lb_add_del_as_v2, lb_as_v2_dump, lb_conf_get)`,
          { missing },
        );
        return;
      }
      settled = true;
      o.timers.clearTimeout(timer);
      socket.removeAllListeners();
      const session: VppSession = { socket, reader, nameToId, idToDef, clientIndex: v.index };
      adopt(session, frames.value.slice(1));
      resolve(session);
    });
  });
}
