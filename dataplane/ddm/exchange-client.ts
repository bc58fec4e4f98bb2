/**
 * The exchange client (spec ddm-bfd-maghemite.md §1.3): `PUT /v{2,3}/push`
 * and `GET /v{2,3}/pull` to `http://[peer%if]:56797`, a new connection per
 * request as ddmd does, each with a deadline.
 *
 * Push outcomes (`PushOutcome`): any 2xx is `ok`; the deadline is `timeout`;
 * a refused or reset connection is `unreachable`; an HTTP error status is
 * `rejected`. ddmd counts only its timeout as a failure; the state machine
 * treats all three as failures (spec Part 5 item 2).
 *
 * A pull fails on any of: deadline, transport error, non-2xx status, a body
 * that does not parse, or one over the response limit.
 */
import { request } from "node:http";
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

function call(
  peer: PeerEndpoint,
  method: "GET" | "PUT",
  path: string,
  body: string | null,
  timeoutMs: number,
  limit: number,
): Promise<Result<Raw, RawError>> {
  return new Promise((resolve) => {
    let done = false;
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
        agent: false,
        headers: {
          host: `[${peer.addr}]:${port}`,
          ...(body === null
            ? {}
            : { "content-type": "application/json", "content-length": Buffer.byteLength(body) }),
        },
      },
      (res) => {
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
    const timer = setTimeout(() => {
      finish(err({ code: "timeout" }));
      req.destroy();
    }, timeoutMs);
    req.on("error", (e) => finish(err({ code: "transport", detail: e.message })));
    req.end(body ?? undefined);
  });
}

/** Push `update` in the peer's version. */
export async function pushUpdate(
  peer: PeerEndpoint,
  version: ExchangeVersion,
  update: Update,
  timeoutMs: number,
): Promise<PushOutcome> {
  const r = await call(
    peer,
    "PUT",
    `/v${version}/push`,
    serializeUpdate(update, version),
    timeoutMs,
    1 << 20,
  );
  if (!r.ok) return r.error.code === "timeout" ? "timeout" : "unreachable";
  return r.value.status >= 200 && r.value.status < 300 ? "ok" : "rejected";
}

/** Pull the peer's table in its version. */
export async function pullFrom(
  peer: PeerEndpoint,
  version: ExchangeVersion,
  timeoutMs: number,
  limit: number = DEFAULT_EXCHANGE_BODY_LIMIT,
): Promise<Result<PullResponse, PullError>> {
  const r = await call(peer, "GET", `/v${version}/pull`, null, timeoutMs, limit);
  if (!r.ok) return r;
  if (r.value.status < 200 || r.value.status >= 300) return err({ code: "status", status: r.value.status });
  const p = parsePullResponse(r.value.body ?? "", version);
  return p.ok ? p : err({ code: "bad-body", detail: `${p.error.code} ${p.error.path}: ${p.error.detail}` });
}
