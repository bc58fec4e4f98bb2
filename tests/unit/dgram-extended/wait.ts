/** Bounded waits for dgram-extended tests (no sleeps as synchronisation). */
import type { UdpMessage, UdpSocket } from "dgram-extended";

/** Resolves with the first `count` messages (optionally filtered), or rejects after `timeoutMs`. */
export function collect(
  socket: UdpSocket,
  count: number,
  timeoutMs = 2000,
  accept: (m: UdpMessage) => boolean = () => true,
): Promise<UdpMessage[]> {
  return new Promise((resolve, reject) => {
    const got: UdpMessage[] = [];
    const timer = setTimeout(() => {
      socket.off("message", onMessage);
      reject(new Error(`expected ${count} datagrams, got ${got.length} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (m: UdpMessage): void => {
      if (!accept(m)) return;
      got.push(m);
      if (got.length === count) {
        clearTimeout(timer);
        socket.off("message", onMessage);
        resolve(got);
      }
    };
    socket.on("message", onMessage);
  });
}
