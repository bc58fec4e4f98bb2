/**
 * The production BFD transport: UDP over the `dgram-extended` addon, which (unlike node:dgram)
 * reports each datagram's received TTL / hop limit and arrival interface and can set DSCP
 * (anchors.md §0 item 2). Sending sockets carry TTL 255 (RFC 5881 §5: the receiver checks it;
 * RFC 5883 §5 allows any TTL, 255 keeps the most hops) and DSCP CS6 (RFC 5881 §4; FRR sends TOS
 * 0xC0, the same byte). Nothing here throws: socket errors come back as `TransportError`s.
 */
import { createUdpSocket, DSCP, isSystemError, type UdpSocket } from "dgram-extended";
import { err, ok, type Result } from "../../protocols/common/result.js";
import { BIND_ATTEMPTS, SourcePortAllocator } from "./source-ports.js";
import type {
  BfdTransport,
  ListenerSocket,
  ListenOptions,
  SenderOptions,
  SenderSocket,
  TransportError,
} from "./transport.js";

/** Options of the UDP transport. */
export interface UdpTransportOptions {
  /** Open every socket inside this network namespace (a `/run/netns` name or a path). */
  readonly netns?: string;
  /** Where the source-port rotation starts (tests pick distinct starts per daemon). */
  readonly firstSourcePort?: number;
  /** SO_RCVBUF of listening sockets; a burst of many sessions' packets must not overflow it. */
  readonly receiveBufferSize?: number;
  /** Called with socket errors reported asynchronously (for logging). */
  readonly onError?: (e: TransportError) => void;
}

function asError(e: unknown): TransportError {
  if (isSystemError(e)) return { code: e.code, message: e.message };
  return { code: "ERR_UNKNOWN", message: e instanceof Error ? e.message : String(e) };
}

class UdpListener implements ListenerSocket {
  handler: ListenerSocket["handler"] = null;
  constructor(private readonly socket: UdpSocket) {
    socket.on("message", (m) => {
      const h = this.handler;
      if (h === null) return;
      h({ data: m.data, address: m.address, port: m.port, ifname: m.ifname, ttl: m.ttl });
    });
  }
  get received(): number {
    return this.socket.stats().received;
  }
  close(): void {
    this.handler = null;
    this.socket.close();
  }
}

class UdpSender implements SenderSocket {
  constructor(
    private readonly socket: UdpSocket,
    readonly sourcePort: number,
    private readonly peer: string,
    private readonly port: number,
  ) {}
  send(bytes: Uint8Array): Result<true, TransportError> {
    try {
      this.socket.send(bytes, this.peer, this.port);
      return ok(true);
    } catch (e: unknown) {
      return err(asError(e));
    }
  }
  close(): void {
    this.socket.close();
  }
}

/** Build the UDP transport. One per daemon: it owns the source-port rotation. */
export function udpTransport(options: UdpTransportOptions = {}): BfdTransport {
  const ports = new SourcePortAllocator(options.firstSourcePort);
  const netns = options.netns === undefined ? {} : { netns: options.netns };
  const onError = (e: unknown): void => options.onError?.(asError(e));
  return {
    listen(o: ListenOptions): Result<ListenerSocket, TransportError> {
      try {
        const socket = createUdpSocket({
          family: o.family,
          ...netns,
          // A specific-address listener may coexist with a wildcard one on the same port; the
          // kernel hands each datagram to the most specific bound socket.
          reuseAddress: true,
          receiveBufferSize: options.receiveBufferSize ?? 1 << 20,
          address: o.address,
          port: o.port,
        });
        socket.on("error", onError);
        return ok(new UdpListener(socket));
      } catch (e: unknown) {
        return err(asError(e));
      }
    },
    sender(o: SenderOptions): Result<SenderSocket, TransportError> {
      let socket: UdpSocket;
      try {
        socket = createUdpSocket({ family: o.family, ...netns, ttl: 255, dscp: DSCP.CS6 });
      } catch (e: unknown) {
        return err(asError(e));
      }
      socket.on("error", onError);
      // Nothing is ever received on a sending socket; do not keep the process alive for it.
      socket.unref();
      let last: TransportError = { code: "EADDRINUSE", message: "no free source port" };
      for (let i = 0; i < BIND_ATTEMPTS; i++) {
        const port = ports.next();
        try {
          socket.bind(o.local, port);
          return ok(new UdpSender(socket, port, o.peer, o.port));
        } catch (e: unknown) {
          last = asError(e);
          if (last.code !== "EADDRINUSE") break;
        }
      }
      socket.close();
      return err(last);
    },
  };
}
