/**
 * Helpers for probe tests in a starved process: a turn kept busy, the check
 * phase to start it from, and a peer on its own thread that answers while
 * this thread is busy.
 */
import { connect, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";

/** Keeps this turn busy for `ms` of real time (a starved process, a long JS callback). */
export function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

/**
 * Busy-waits until the monotonic clock is late in its millisecond. libuv's
 * loop time is that clock in whole milliseconds (truncated), so a timer armed
 * now counts from up to 0.9 ms before now.
 */
export function lateInMillisecond(): void {
  while (process.hrtime.bigint() % 1_000_000n < 900_000n) {
    // busy
  }
}

/**
 * Keeps this turn busy for at least `ms`, then until the monotonic clock is
 * early in a millisecond: the loop time taken next is barely truncated, so
 * the poll phase sleeps the timer's full remainder by the loop's count —
 * short, in real time, by what was truncated when the timer was armed. With
 * {@link lateInMillisecond} before arming, a `setTimeout` then fires ~0.5 ms
 * before its delay of real time has passed.
 */
export function spinToEarlyMillisecond(ms: number): void {
  spin(ms);
  while (process.hrtime.bigint() % 1_000_000n >= 200_000n) {
    // busy
  }
}

/**
 * Continues in the check phase (setImmediate). A turn kept busy there is
 * followed by the next iteration's timers before its poll phase: the order in
 * which a due timer meets an answer that is already queued.
 */
export const checkPhase = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * A TCP connection to an echo server on a worker thread: it has its own event
 * loop, so what this thread writes comes back while this thread's turn is
 * still busy (queued for its next poll phase).
 */
export async function echoPeer(): Promise<{ socket: Socket; stop: () => Promise<void> }> {
  const worker = new Worker(
    `const { parentPort } = require("node:worker_threads");
     const net = require("node:net");
     const server = net.createServer((c) => { c.on("error", () => {}); c.pipe(c); });
     server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));`,
    { eval: true },
  );
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => undefined);
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  return {
    socket,
    stop: async () => {
      socket.destroy();
      await worker.terminate();
    },
  };
}
