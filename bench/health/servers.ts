/**
 * Loopback listeners for the health benchmark, run as a child process so
 * their CPU is not charged to the checker under test. One TCP listener and
 * one HTTP listener on 127.0.0.1; the parent asks for connection counts over
 * IPC to count probes server-side (the same way for both checkers). A TCP
 * connection that the checker resets before it is accepted is not counted
 * here (HAProxy's layer-4 checks), which is why `run.ts` prefers the kernel's
 * counters when it has a private network namespace.
 */
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";

let tcpConnections = 0;
let httpRequests = 0;
const tcp = createServer((s) => {
  tcpConnections += 1;
  s.on("error", () => undefined);
  s.end();
});
const http = createHttpServer((_req, res) => {
  httpRequests += 1;
  res.writeHead(200, { "content-type": "text/plain", connection: "close" });
  res.end("ok\n");
});
tcp.maxConnections = 100_000;

function listen(server: typeof tcp | typeof http): Promise<number> {
  return new Promise((resolve) => {
    server.listen({ port: 0, host: "127.0.0.1", backlog: 4096 }, () => {
      const a = server.address();
      resolve(typeof a === "object" && a !== null ? a.port : 0);
    });
  });
}

const [tcpPort, httpPort] = await Promise.all([listen(tcp), listen(http)]);
process.on("message", (m: { t: string }) => {
  if (m.t === "ports") process.send?.({ t: "ports", tcpPort, httpPort });
  if (m.t === "counts") process.send?.({ t: "counts", tcp: tcpConnections, http: httpRequests });
  if (m.t === "exit") process.exit(0);
});
// An orchestrator that dies must not leave us running.
process.on("disconnect", () => process.exit(0));
process.send?.({ t: "ready" });
