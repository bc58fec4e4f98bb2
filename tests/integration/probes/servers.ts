/**
 * Loopback servers for probe tests: listen on an OS-chosen port and track
 * every accepted socket, so a test can await that the probe left none open.
 */
import type { Server as HttpServer } from "node:http";
import type { Server, Socket } from "node:net";

/** Accepted sockets of a server, with a bounded wait for all of them to close. */
export interface Tracked {
  readonly port: number;
  /** Sockets accepted so far. */
  readonly accepted: Socket[];
  /**
   * Resolves once at least `minAccepted` sockets were accepted and every
   * accepted socket has closed; rejects after `withinMs`. A probe may resolve
   * before the server has even accepted its connection, so a test that looks
   * at what the server saw passes the number of connections it expects.
   */
  allClosed(withinMs?: number, minAccepted?: number): Promise<void>;
  close(): Promise<void>;
}

/** Listen on 127.0.0.1 (or `host`) port 0 and track connections. */
export async function start(server: Server | HttpServer, host = "127.0.0.1"): Promise<Tracked> {
  const open = new Set<Socket>();
  const accepted: Socket[] = [];
  let waiters: { min: number; wake: () => void }[] = [];
  const check = () => {
    if (open.size !== 0) return;
    const ready = waiters.filter((w) => accepted.length >= w.min);
    waiters = waiters.filter((w) => accepted.length < w.min);
    for (const w of ready) w.wake();
  };
  server.on("connection", (s: Socket) => {
    accepted.push(s);
    open.add(s);
    s.on("error", () => {});
    s.on("close", () => {
      open.delete(s);
      check();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    port: address.port,
    accepted,
    allClosed(withinMs = 1000, minAccepted = 0) {
      if (open.size === 0 && accepted.length >= minAccepted) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`${open.size} socket(s) still open, ${accepted.length}/${minAccepted} accepted`),
            ),
          withinMs,
        );
        waiters.push({
          min: minAccepted,
          wake: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    close() {
      for (const s of open) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port that was just listened on and is now closed (nothing listens there). */
export async function closedPort(server: Server): Promise<number> {
  const t = await start(server);
  await t.close();
  return t.port;
}
