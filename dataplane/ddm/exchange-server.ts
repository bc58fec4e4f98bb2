/**
 * The exchange server of one interface (spec ddm-bfd-maghemite.md §1.3):
 * HTTP/1.1 on `[own link-local%if]:56797`, serving
 *
 * | PUT `/v2/push`, `/v3/push` | body `Update` (v2 or v3 JSON) → 204 |
 * | GET `/v2/pull`, `/v3/pull` | → 200 `PullResponse` in that version |
 *
 * Unversioned (no header needed), like ddmd. The body limit is ours to set
 * (ddmd inherits dropshot's 1 KiB, spec Part 5 item 6); the default here is
 * 64 MiB, which holds a pull answer of ~500,000 path vectors. A body that does
 * not parse is answered 400 with `{code, path, detail}` and reported through
 * `onReject` so the shell counts the reason; network input never throws.
 *
 * Plain `node:http`, not fastify: this is a peer-to-peer wire endpoint with
 * four fixed routes, not part of the admin API.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { err, ok, type Result } from "../../protocols/common/result.js";
import { type ExchangeErrorCode, parseUpdate, serializePullResponse } from "../../protocols/ddm/exchange.js";
import type { ExchangeVersion, PullResponse, Update } from "../../protocols/ddm/types.js";

/** The exchange port (0xdddd). */
export const EXCHANGE_PORT = 56797;
/** Default request body limit. */
export const DEFAULT_EXCHANGE_BODY_LIMIT = 64 * 1024 * 1024;

/** Why a request was refused; each is a counted reason. */
export type ExchangeRejectReason =
  | ExchangeErrorCode
  | "DDM_E_XCHG_TOO_LARGE"
  | "DDM_E_XCHG_NOT_FOUND"
  | "DDM_E_XCHG_BAD_METHOD"
  | "DDM_E_XCHG_UNAVAILABLE";

/** What the server asks its owner. */
export interface ExchangeHandlers {
  /** A parsed push; return false when it could not be taken (mailbox full): answered 503. */
  readonly onPush: (update: Update, version: ExchangeVersion) => boolean;
  /** Build the pull answer for the current peer. */
  readonly onPull: () => Promise<PullResponse>;
  readonly onReject: (reason: ExchangeRejectReason) => void;
}

/** Options of `startExchangeServer`. */
export interface ExchangeServerOptions {
  /** Bind address (scope included, `fe80::1%eth0`), or `::1` in tests. */
  readonly host: string;
  readonly port?: number;
  readonly bodyLimit?: number;
}

/** A running server. */
export interface ExchangeServer {
  readonly port: number;
  close(): Promise<void>;
}

const ROUTE = /^\/v([23])\/(push|pull)$/;

function send(res: ServerResponse, status: number, body?: string): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function reject(
  res: ServerResponse,
  h: ExchangeHandlers,
  status: number,
  code: ExchangeRejectReason,
  detail: string,
) {
  h.onReject(code);
  send(res, status, JSON.stringify({ code, detail }));
}

/** Read a body up to `limit` bytes; null when it is larger. */
function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > limit) {
      resolve(null);
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on("end", () => resolve(over ? null : Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => resolve(null));
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, h: ExchangeHandlers, limit: number) {
  const m = ROUTE.exec((req.url ?? "").split("?")[0] ?? "");
  if (m === null) return reject(res, h, 404, "DDM_E_XCHG_NOT_FOUND", `no route ${req.url ?? ""}`);
  const version = Number(m[1]) as ExchangeVersion;
  if (m[2] === "pull") {
    if (req.method !== "GET") return reject(res, h, 405, "DDM_E_XCHG_BAD_METHOD", "pull is GET");
    req.resume();
    let p: PullResponse;
    try {
      p = await h.onPull();
    } catch (e: unknown) {
      return reject(res, h, 503, "DDM_E_XCHG_UNAVAILABLE", e instanceof Error ? e.message : String(e));
    }
    return send(res, 200, serializePullResponse(p, version));
  }
  if (req.method !== "PUT") return reject(res, h, 405, "DDM_E_XCHG_BAD_METHOD", "push is PUT");
  const text = await readBody(req, limit);
  if (text === null) return reject(res, h, 413, "DDM_E_XCHG_TOO_LARGE", `body over ${limit} bytes`);
  const u = parseUpdate(text, version);
  if (!u.ok) return reject(res, h, 400, u.error.code, `${u.error.path}: ${u.error.detail}`);
  if (!h.onPush(u.value, version)) return reject(res, h, 503, "DDM_E_XCHG_UNAVAILABLE", "busy");
  return send(res, 204);
}

/** Start serving; resolves once bound, or with the bind error. */
export function startExchangeServer(
  opts: ExchangeServerOptions,
  handlers: ExchangeHandlers,
): Promise<Result<ExchangeServer, Error>> {
  const limit = opts.bodyLimit ?? DEFAULT_EXCHANGE_BODY_LIMIT;
  const server: Server = createServer((req, res) => {
    handle(req, res, handlers, limit).catch((e: unknown) => {
      if (!res.headersSent)
        send(res, 500, JSON.stringify({ code: "DDM_E_XCHG_INTERNAL", detail: String(e) }));
    });
  });
  // ddmd's client opens a connection per request; ours keeps one for its next push
  // (`IDLE_MS`, below this). Either way, do not hold idle ones for long.
  server.keepAliveTimeout = 2000;
  return new Promise((resolve) => {
    const onError = (e: Error) => resolve(err(e));
    server.once("error", onError);
    server.listen({ host: opts.host, port: opts.port ?? EXCHANGE_PORT }, () => {
      server.off("error", onError);
      server.on("error", () => undefined);
      const a = server.address();
      const port = typeof a === "object" && a !== null ? a.port : (opts.port ?? EXCHANGE_PORT);
      resolve(
        ok({
          port,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              server.closeAllConnections();
            }),
        }),
      );
    });
  });
}
