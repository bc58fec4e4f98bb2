/**
 * A canned HTTP server on loopback (port chosen by the OS) standing in for
 * the daemon's API in CLI tests. Records every request it sees.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A canned reply; `hang` never answers (for timeouts). */
export type Reply = { status: number; body?: unknown; raw?: string } | "hang";

/** A request as the server saw it. */
export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
}

/** A running fake API. */
export interface FakeApi {
  readonly url: string;
  readonly seen: Seen[];
  close(): Promise<void>;
}

/** Serve `routes` (`"GET /healthz"` → reply); anything else is a 404 in our error-body shape. */
export async function startFakeApi(routes: Readonly<Record<string, Reply>>): Promise<FakeApi> {
  const seen: Seen[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    const reply = routes[`${req.method} ${req.url}`] ?? {
      status: 404,
      body: { statusCode: 404, code: "API_E_NOT_FOUND", message: `no route ${req.url}` },
    };
    if (reply === "hang") {
      hanging.push(res);
      return;
    }
    const text = reply.raw ?? (reply.body === undefined ? "" : JSON.stringify(reply.body));
    res.writeHead(reply.status, {
      "content-type": reply.raw === undefined ? "application/json" : "text/html",
    });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback URL where nothing listens: bind an OS-chosen port, then release it. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
