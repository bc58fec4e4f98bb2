/**
 * Benchmark sender (child process): sends fixed-size datagrams to
 * 127.0.0.1:PORT for SECONDS, either as fast as sendmmsg(2) bursts go
 * (RATE 0) or paced at RATE datagrams per second. Prints the count sent.
 *
 * usage: sender PORT SECONDS SIZE RATE
 */
import { createUdpSocket } from "dgram-extended";

const [port, seconds, size, rate] = process.argv.slice(2).map(Number);
if (port === undefined || seconds === undefined || size === undefined || rate === undefined) {
  console.error("usage: sender PORT SECONDS SIZE RATE");
  process.exit(2);
}

const socket = createUdpSocket({ family: 4, sendBufferSize: 4 << 20 });
socket.unref();
const BURST = 64;
const burst = Array.from({ length: BURST }, (_, i) => Buffer.alloc(size, i));
const started = process.hrtime.bigint();
const endAt = started + BigInt(Math.round(seconds * 1e9));
let sent = 0;

function elapsedSeconds(): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

if (rate === 0) {
  // Blast: the receiver, not this loop, is meant to be the bottleneck.
  while (process.hrtime.bigint() < endAt) {
    for (let i = 0; i < 16; i++) sent += socket.sendMany(burst, "127.0.0.1", port);
  }
} else {
  while (process.hrtime.bigint() < endAt) {
    const due = Math.floor(rate * elapsedSeconds());
    while (sent < due) {
      const n = Math.min(BURST, due - sent);
      const k = socket.sendMany(n === BURST ? burst : burst.slice(0, n), "127.0.0.1", port);
      sent += k;
      if (k === 0) break;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
}
socket.close();
console.log(String(sent));
