/**
 * Integration helpers: a health service on the real clock with real probes,
 * waits driven by the state bus (bounded, no sleeps as synchronisation), and
 * loopback servers that count what they see.
 */
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type Server } from "node:net";
import { pino } from "pino";
import type { AdminStore } from "../../../actors/health/admin-store.js";
import { HealthService } from "../../../actors/health/service.js";
import type { BackendSpec, BackendStateEvent } from "../../../actors/health/types.js";
import { type ActorSystem, createActorSystem } from "../../../actors/runtime/index.js";
import type { Pinger } from "../../../dataplane/probes/index.js";
import type { HealthStatus } from "../../../protocols/health/index.js";

/** An admin store in memory. */
export function memoryAdmin(): AdminStore {
  const m = new Map<string, { action: "pause" | "disable" | "enable" }>();
  return {
    get: (n) => {
      const v = m.get(n);
      return v === undefined ? undefined : { value: v };
    },
    put: async (n, v) => {
      m.set(n, v);
    },
    delete: async (n) => m.delete(n),
  };
}

const noPinger: Pinger = {
  echo: async () => ({ ok: false, kind: "error", detail: "no pinger in this test" }),
};

/** A started service with real probes on the real clock. */
export function realService(backends: BackendSpec[], pinger: Pinger = noPinger) {
  const system: ActorSystem = createActorSystem({
    onFatal: () => undefined,
    logger: pino({ level: "silent" }),
  });
  const service = new HealthService({
    actors: system,
    admin: memoryAdmin(),
    logger: pino({ level: "silent" }),
    probeDeps: { pinger },
    askTimeoutMs: 2000,
  });
  const events: BackendStateEvent[] = [];
  const waiters: { name: string; state: HealthStatus; resolve: (e: BackendStateEvent) => void }[] = [];
  service.subscribe((e) => {
    events.push(e);
    for (const w of waiters.splice(0)) {
      if (w.name === e.name && w.state === e.state) w.resolve(e);
      else waiters.push(w);
    }
  });
  service.start(backends);
  return {
    system,
    service,
    events,
    /** Resolves on the next publication of `state` for `name` (or at once if it is the latest); rejects after `withinMs`. */
    until(name: string, state: HealthStatus, withinMs = 5000): Promise<BackendStateEvent> {
      const latest = [...events].reverse().find((e) => e.name === name);
      if (latest?.state === state) return Promise.resolve(latest);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${name} not ${state} within ${withinMs} ms`)),
          withinMs,
        );
        waiters.push({
          name,
          state,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
    async close() {
      await service.stop();
      await system.stop();
    },
  };
}

/** A listening server on 127.0.0.1 with an OS-chosen port. */
export async function listen<S extends Server | HttpServer>(server: S): Promise<{ server: S; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const a = server.address();
  if (a === null || typeof a === "string") throw new Error("no port");
  return { server, port: a.port };
}

/** Close a server and every connection it holds. */
export function closeServer(server: Server | HttpServer): Promise<void> {
  if ("closeAllConnections" in server) server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** An HTTP server answering `status` after `delayMs`, counting requests. */
export async function httpServer(opts: { status?: number; delayMs?: number } = {}) {
  let requests = 0;
  const server = createHttpServer((_req, res) => {
    requests += 1;
    const answer = () => {
      res.writeHead(opts.status ?? 200, { "content-type": "text/plain" });
      res.end("ok\n");
    };
    if (opts.delayMs === undefined) answer();
    else setTimeout(answer, opts.delayMs).unref();
  });
  const { port } = await listen(server);
  return { server, port, requests: () => requests };
}

/** A TCP server that resets every connection once it has received some bytes. */
export async function resettingServer() {
  const server = createServer((socket) => {
    socket.on("error", () => undefined);
    socket.once("data", () => socket.resetAndDestroy());
  });
  return listen(server);
}
