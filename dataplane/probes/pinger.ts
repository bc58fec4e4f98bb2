/**
 * The production {@link Pinger}: ICMP echo over the `dgram-extended` addon
 * (a ping socket where `net.ipv4.ping_group_range` allows it, else a raw
 * socket with CAP_NET_RAW; see the addon's `icmp-echo.ts`). One socket per
 * address family, opened on first use and shared by every ICMP probe, so
 * 1,000 ICMP backends cost two file descriptors, not 1,000.
 *
 * Error mapping: a send that fails with EHOSTUNREACH/ENETUNREACH (no route)
 * is `unreachable`; a socket that cannot be opened (EPERM) or any other send
 * error is `error`. A reply that never comes is left to the probe's own
 * deadline, which reports `timeout`. The addon only passes echo replies up
 * (its raw-socket filter drops ICMP errors), so an on-link address nobody
 * owns times out rather than failing fast.
 */
import { isIP } from "node:net";
import { createIcmpEchoSocket, type IcmpEchoSocket } from "dgram-extended";
import type { EchoReply, EchoRequest, Pinger } from "./icmp.js";

/** Options of the production pinger. */
export interface IcmpPingerOptions {
  /** Open the sockets inside this network namespace (name under /run/netns, or a path). */
  readonly netns?: string;
  /**
   * How long the addon keeps waiting for one reply; default 5000 ms. The
   * probe's own deadline (usually shorter) decides the result; this only
   * bounds how long an unanswered request holds its sequence number.
   */
  readonly maxWaitMs?: number;
}

/** A pinger that can be closed (the health subsystem closes it on stop). */
export interface ClosablePinger extends Pinger {
  close(): void;
}

const UNREACHABLE = new Set(["EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "ENETDOWN"]);

function codeOf(e: unknown): string | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  const c = (e as { code?: unknown }).code;
  return typeof c === "string" ? c : undefined;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Build the pinger. Sockets open lazily, so building it never fails. */
export function createIcmpPinger(options: IcmpPingerOptions = {}): ClosablePinger {
  const sockets = new Map<4 | 6, IcmpEchoSocket>();
  const socketFor = (family: 4 | 6): IcmpEchoSocket => {
    let s = sockets.get(family);
    if (s === undefined) {
      s = createIcmpEchoSocket({
        family,
        ...(options.netns === undefined ? {} : { netns: options.netns }),
      });
      // Socket-level errors are per-send here; never let one crash the process.
      s.on("error", () => undefined);
      sockets.set(family, s);
    }
    return s;
  };
  return {
    async echo(request: EchoRequest, signal: AbortSignal): Promise<EchoReply> {
      const family = isIP(request.address);
      if (family !== 4 && family !== 6) {
        return { ok: false, kind: "error", detail: `not an IP address: ${request.address}` };
      }
      if (signal.aborted) return { ok: false, kind: "error", detail: "aborted before sending" };
      let socket: IcmpEchoSocket;
      try {
        socket = socketFor(family);
      } catch (e: unknown) {
        return { ok: false, kind: "error", detail: messageOf(e) };
      }
      // TODO(source address): the addon's echo socket has no per-request bind;
      // `probe-ipv4-src`/`probe-ipv6-src` are not applied to ICMP probes yet.
      try {
        const reply = await socket.ping(request.address, { timeoutMs: options.maxWaitMs ?? 5000 });
        return { ok: true, rttMs: Math.round(reply.rttMs * 1000) / 1000 };
      } catch (e: unknown) {
        const code = codeOf(e);
        if (code !== undefined && UNREACHABLE.has(code)) {
          return { ok: false, kind: "unreachable", detail: `${code}: ${messageOf(e)}` };
        }
        return { ok: false, kind: "error", detail: messageOf(e) };
      }
    },
    close() {
      for (const s of sockets.values()) s.close();
      sockets.clear();
    },
  };
}
