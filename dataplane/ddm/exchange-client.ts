/**
 * The exchange client (spec ddm-bfd-maghemite.md §1.3): `PUT /v{2,3}/push`
 * and `GET /v{2,3}/pull` to `http://[peer%if]:56797`, each with a deadline.
 *
 * Connections are kept alive between requests (ddmd opens one per request).
 * A transit announcing 10,000 prefixes per server sends 120 pushes of 1,000
 * path vectors, and a TCP connect, accept and close on both ends per push
 * was ~4 % of the daemons' CPU in bench/ddm. Idle connections are closed
 * after `IDLE_MS` (sooner if the server's `Keep-Alive: timeout` hint says
 * so; ours says 2 s), and a request whose reused connection turns out to
 * have been closed by the peer (reset before any answer) is sent once more
 * on a new one: a push or pull is idempotent, and without the retry that
 * race would count as a failed exchange.
 *
 * Push outcomes (`PushOutcome`): any 2xx is `ok`; the deadline is `timeout`;
 * a refused or reset connection is `unreachable`; an HTTP error status is
 * `rejected`. ddmd counts only its timeout as a failure; the state machine
 * treats all three as failures (spec Part 5 item 2).
 *
 * A pull fails on any of: deadline, transport error, non-2xx status, a body
 * that does not parse, or one over the response limit.
 *
 * A pull's deadline scales with the table it carries: the configured timeout
 * covers the request and the peer building its answer, up to the response
 * head; once the head declares the body's length, the deadline moves out by
 * that length at `PULL_BYTES_PER_MS` (a 30,000-route v3 answer is ~1.6 MB,
 * so +1.6 s). A fixed deadline sized for a small table failed every pull of a
 * large one on a busy host, and one sized for the largest hid a dead peer for
 * as long. A body without a declared length gets no allowance.
 */
import { Agent, type ClientRequest, request } from "node:http";
import { err, ok, type Result } from "../../protocols/common/result.js";
import { parsePullResponse, serializeUpdate } from "../../protocols/ddm/exchange.js";
import type { PushOutcome } from "../../protocols/ddm/fsm-types.js";
import type { Ipv6Addr } from "../../protocols/ddm/ip.js";
import type { ExchangeVersion, PullResponse, Update } from "../../protocols/ddm/types.js";
import { DEFAULT_EXCHANGE_BODY_LIMIT, EXCHANGE_PORT } from "./exchange-server.js";

/** Where a peer's exchange server is. */
export interface PeerEndpoint {
  readonly addr: Ipv6Addr | string;
  /** Interface name for the scope; omit for a non-link-local address (tests on `::1`). */
  readonly ifName?: string;
  readonly port?: number;
}

/** Why a pull failed. */
export type PullError =
  | { readonly code: "timeout" }
  | { readonly code: "transport"; readonly detail: string }
  | { readonly code: "status"; readonly status: number }
  | { readonly code: "too-large" }
  | { readonly code: "bad-body"; readonly detail: string };

interface Raw {
  readonly status: number;
  readonly body: string | null;
}
type RawError =
  | { readonly code: "timeout" }
  | { readonly code: "transport"; readonly detail: string }
  | { readonly code: "too-large" };

/** The slowest body transfer a pull allows for (bytes per ms, i.e. 1 MB/s), on top of its timeout. */
export const PULL_BYTES_PER_MS = 1000;

/** How long an idle exchange connection is kept for the next request. */
export const IDLE_MS = 1000;

/**
 * One pool for every peer: Node keys its connections by host and port, and
 * the host carries the interface scope (`fe80::1%eth0`), so each peer on
 * each link has its own. Idle sockets do not keep the process alive.
 */
const agent = new Agent({ keepAlive: true, timeout: IDLE_MS, maxFreeSockets: 64 });

/** The peer reset a connection we reused before answering: it had closed it (idle) as we wrote. */
function staleReuse(req: ClientRequest, e: NodeJS.ErrnoException, answered: boolean): boolean {
  return req.reusedSocket && !answered && (e.code === "ECONNRESET" || e.code === "EPIPE");
}

function call(
  peer: PeerEndpoint,
  method: "GET" | "PUT",
  path: string,
  body: string | null,
  timeoutMs: number,
  limit: number,
  bytesPerMs: number | null = null,
  retry = true,
): Promise<Result<Raw, RawError>> {
  const start = performance.now();
  return new Promise((resolve) => {
    let done = false;
    let answered = false;
    const finish = (r: Result<Raw, RawError>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const host = peer.ifName === undefined ? peer.addr : `${peer.addr}%${peer.ifName}`;
    const port = peer.port ?? EXCHANGE_PORT;
    const req = request(
      {
        host,
        port,
        method,
        path,
        agent,
        headers: {
          host: `[${peer.addr}]:${port}`,
          ...(body === null
            ? {}
            : { "content-type": "application/json", "content-length": Buffer.byteLength(body) }),
        },
      },
      (res) => {
        answered = true;
        const declared = Number(res.headers["content-length"]);
        if (bytesPerMs !== null && Number.isFinite(declared) && declared > 0 && declared <= limit) {
          clearTimeout(timer);
          const at = start + timeoutMs + Math.ceil(declared / bytesPerMs);
          timer = setTimeout(expire, Math.max(0, at - performance.now()));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > limit) {
            req.destroy();
            finish(err({ code: "too-large" }));
          } else chunks.push(c);
        });
        res.on("end", () =>
          finish(ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") })),
        );
        res.on("error", (e) => finish(err({ code: "transport", detail: e.message })));
      },
    );
    const expire = () => {
      finish(err({ code: "timeout" }));
      req.destroy();
    };
    let timer = setTimeout(expire, timeoutMs);
    req.on("error", (e: NodeJS.ErrnoException) => {
      if (done) return;
      if (retry && staleReuse(req, e, answered)) {
        // Once more on a fresh connection, within what is left of the deadline.
        done = true;
        clearTimeout(timer);
        const left = Math.max(1, timeoutMs - (performance.now() - start));
        void call(peer, method, path, body, left, limit, bytesPerMs, false).then(resolve);
        return;
      }
      finish(err({ code: "transport", detail: e.message }));
    });
    req.end(body ?? undefined);
  });
}

/**
 * Push bodies by update and version. A transit hands the same update object
 * (and the same chunks of it, see `chunkUpdate` in the interface actor) to
 * every other interface, so each body is serialised once however many peers
 * it goes to (at 10,000 prefixes per server a transit serialised 120,000 path
 * vectors, three times each 40,000). Weak: a body lives while its update does.
 */
const bodies: Record<ExchangeVersion, WeakMap<Update, string>> = { 2: new WeakMap(), 3: new WeakMap() };

function pushBody(update: Update, version: ExchangeVersion): string {
  const cache = bodies[version];
  let body = cache.get(update);
  if (body === undefined) {
    body = serializeUpdate(update, version);
    cache.set(update, body);
  }
  return body;
}

/** Push `update` in the peer's version. */
export async function pushUpdate(
  peer: PeerEndpoint,
  version: ExchangeVersion,
  update: Update,
  timeoutMs: number,
): Promise<PushOutcome> {
  const r = await call(peer, "PUT", `/v${version}/push`, pushBody(update, version), timeoutMs, 1 << 20);
  if (!r.ok) return r.error.code === "timeout" ? "timeout" : "unreachable";
  return r.value.status >= 200 && r.value.status < 300 ? "ok" : "rejected";
}

/** Pull the peer's table in its version; `timeoutMs` up to the answer's head, plus its length at `PULL_BYTES_PER_MS`. */
export async function pullFrom(
  peer: PeerEndpoint,
  version: ExchangeVersion,
  timeoutMs: number,
  limit: number = DEFAULT_EXCHANGE_BODY_LIMIT,
): Promise<Result<PullResponse, PullError>> {
  const r = await call(peer, "GET", `/v${version}/pull`, null, timeoutMs, limit, PULL_BYTES_PER_MS);
  if (!r.ok) return r;
  if (r.value.status < 200 || r.value.status >= 300) return err({ code: "status", status: r.value.status });
  const p = parsePullResponse(r.value.body ?? "", version);
  return p.ok ? p : err({ code: "bad-body", detail: `${p.error.code} ${p.error.path}: ${p.error.detail}` });
}
