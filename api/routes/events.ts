/**
 * `GET /events`: Server-Sent Events (WHATWG HTML §9.2) of backend and
 * frontend transitions. On connect the current state of every backend and
 * frontend is replayed as events with `from === to` (maglev-vpp §4.3:
 * upstream replays one synthetic event per frontend so clients hydrate),
 * then live transitions follow. Each event is `event: <type>`, a numbered
 * `id:`, and one JSON `data:` line (`LbEvent`). A comment line every 15 s
 * (Appendix B "SSE ping 15 s") keeps proxies from closing an idle stream.
 *
 * A client that does not read is not allowed to make us buffer without
 * bound: past `MAX_BUFFERED` bytes queued in the socket, the stream is
 * closed (the client reconnects and gets a fresh replay, which is all the
 * state there is: events are latest-value, not a log).
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { LbEventHub } from "../../actors/lb/event-hub.js";
import type { LbTransition } from "../../actors/lb/types.js";
import { ApiError } from "../errors.js";
import { errorResponses } from "../schemas/common.js";

/** Keep-alive comment period. */
export const SSE_PING_MS = 15_000;
/** Bytes a slow client may leave unread before its stream is closed. */
export const MAX_BUFFERED = 1024 * 1024;

/** One SSE frame. */
export function sseFrame(id: number, t: LbTransition): string {
  const data = JSON.stringify({ type: t.type, name: t.name, from: t.from, to: t.to, at: t.at });
  return `id: ${id}\nevent: ${t.type}\ndata: ${data}\n\n`;
}

/** The route; `hub()` is undefined until the LB subsystem has started (503). */
export const eventRoutes =
  (hub: () => Pick<LbEventHub, "subscribe"> | undefined, pingMs = SSE_PING_MS): FastifyPluginAsyncTypebox =>
  async (app) => {
    // Open streams never end on their own: end them when the server closes, or SIGTERM would
    // wait for every watching client to hang up.
    const open = new Set<() => void>();
    app.addHook("preClose", async () => {
      for (const close of [...open]) close();
    });
    app.get(
      "/events",
      {
        schema: {
          tags: ["lb"],
          summary:
            "Server-Sent Events of backend and frontend transitions; current states are replayed first (from == to)",
          produces: ["text/event-stream"],
          response: { 200: Type.String({ description: "text/event-stream" }), ...errorResponses },
        },
      },
      async (req, reply) => {
        const h = hub();
        if (h === undefined) throw new ApiError("API_E_NOT_READY", "the LB subsystem is not running");
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-cache",
          connection: "keep-alive",
          "x-accel-buffering": "no",
        });
        let id = 0;
        let closed = false;
        let off: (() => void) | undefined;
        let ping: NodeJS.Timeout | undefined;
        const close = (): void => {
          if (closed) return;
          closed = true;
          open.delete(close);
          off?.();
          clearInterval(ping);
          res.end();
        };
        const write = (text: string): void => {
          if (closed) return;
          res.write(text);
          if (res.writableLength > MAX_BUFFERED) {
            req.log.warn(
              { buffered: res.writableLength },
              "event stream client too slow; closing its stream",
            );
            close();
            res.destroy();
          }
        };
        open.add(close);
        res.write(": magnetite events\n\n");
        off = h.subscribe((t) => write(sseFrame(++id, t)));
        ping = setInterval(() => write(": ping\n\n"), pingMs);
        if (closed) {
          // Closed during the replay (a client too slow even for that): undo what close() could not.
          off();
          clearInterval(ping);
        }
        req.raw.on("close", close);
      },
    );
  };
