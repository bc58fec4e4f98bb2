/**
 * ICMP echo timeouts (src/icmp-echo.ts) in a starved process: a reply that
 * arrived while a busy turn outlasted the timeout is matched, not timed out
 * (libuv runs due timers before it polls for I/O), and a ping's timeout
 * counts real time from the send, not the whole-millisecond loop time that
 * `setTimeout` counts from (up to a millisecond early). Loopback only: needs
 * a ping or raw ICMP socket (root, or the group inside
 * net.ipv4.ping_group_range); skipped otherwise.
 */
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { after, describe, it } from "node:test";
import { createIcmpEchoSocket, type IcmpEchoSocket } from "dgram-extended";
import { checkPhase, lateInMillisecond, spin, spinToEarlyMillisecond } from "../probes/starve.js";

const sockets: IcmpEchoSocket[] = [];
function open(device?: string): IcmpEchoSocket {
  const s = createIcmpEchoSocket(device === undefined ? { family: 4 } : { family: 4, device });
  sockets.push(s);
  return s;
}
after(() => {
  for (const s of sockets) s.close();
});

function icmpUnavailable(): string | false {
  try {
    open();
    return false;
  } catch (e) {
    return `no ICMP socket: ${(e as Error).message}`;
  }
}

describe("ICMP echo in a starved process", { skip: icmpUnavailable() }, () => {
  it("a reply that arrived while a busy turn outlasted the timeout resolves the ping", async () => {
    const s = open();
    await checkPhase();
    const pending = s.ping("127.0.0.1", { timeoutMs: 50 });
    spin(150); // the kernel answers a loopback echo at once
    const r = await pending;
    assert.equal(r.address, "127.0.0.1");
    assert.equal(s.pending, 0);
  });

  it("no timeout before the full timeout of real time, though the timer counts from a truncated loop time", async () => {
    // Bound to lo, an echo to TEST-NET-2 leaves nothing and is never answered.
    const s = open("lo");
    // Five rounds: the first turn of a process may reach its poll phase late enough to hide it.
    for (let round = 0; round < 5; round++) {
      await checkPhase();
      lateInMillisecond();
      const before = performance.now();
      const pending = assert.rejects(
        s.ping("198.51.100.1", { timeoutMs: 30, payload: Buffer.from("starved") }),
        { code: "ETIMEDOUT" },
      );
      spinToEarlyMillisecond(15); // part of the timeout in the same turn
      await pending;
      const took = performance.now() - before;
      assert.ok(took >= 30, `round ${round}: timed out after ${took} ms of a 30 ms timeout`);
    }
    assert.equal(s.pending, 0);
  });
});
