/**
 * An in-memory network implementing `BfdTransport`, for actor tests without sockets or root
 * (style guide rule 22: every platform port has a fake). Hosts own addresses; a datagram goes to
 * the destination host's listener bound to that exact address and port, else to its wildcard
 * listener. Delivery is synchronous, so tests on a fake clock are deterministic. Tests can cut
 * links, rewrite the TTL a datagram arrives with, make binds fail, and inject raw datagrams.
 */
import { err, ok, type Result } from "../../protocols/common/result.js";
import { SourcePortAllocator } from "./source-ports.js";
import type {
  BfdDatagram,
  BfdTransport,
  ListenerSocket,
  ListenOptions,
  SenderOptions,
  SenderSocket,
  TransportError,
} from "./transport.js";

class MemoryListener implements ListenerSocket {
  handler: ListenerSocket["handler"] = null;
  received = 0;
  closed = false;
  constructor(private readonly onClose: () => void) {}
  deliver(d: BfdDatagram): void {
    if (this.closed) return;
    this.received += 1;
    this.handler?.(d);
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handler = null;
    this.onClose();
  }
}

interface Host {
  readonly name: string;
  readonly addresses: ReadonlySet<string>;
  readonly listeners: Map<string, MemoryListener>;
  readonly usedPorts: Set<string>;
}

const WILDCARDS = new Set(["0.0.0.0", "::"]);

/** A network of hosts. */
export class MemoryNetwork {
  private readonly hosts: Host[] = [];
  private readonly cut = new Set<string>();
  /** TTL a datagram arrives with (default 255: one hop). */
  ttl: (from: string, to: string) => number = () => 255;
  /** Addresses whose next `listen` fails (then the entry is kept: every bind there fails). */
  readonly failListen = new Set<string>();
  /** Datagrams sent, per source address (for assertions). */
  readonly sent = new Map<string, number>();

  /** A transport for a host owning `addresses`. */
  host(name: string, addresses: readonly string[]): BfdTransport {
    const host: Host = {
      name,
      addresses: new Set(addresses),
      listeners: new Map(),
      usedPorts: new Set(),
    };
    this.hosts.push(host);
    const ports = new SourcePortAllocator();
    return {
      listen: (o: ListenOptions): Result<ListenerSocket, TransportError> => {
        const key = `${o.address}|${o.port}`;
        if (this.failListen.has(o.address)) return err({ code: "EADDRNOTAVAIL", message: "injected" });
        if (!WILDCARDS.has(o.address) && !host.addresses.has(o.address)) {
          return err({ code: "EADDRNOTAVAIL", message: `${o.address} is not local to ${name}` });
        }
        if (host.listeners.has(key)) return err({ code: "EADDRINUSE", message: key });
        const l = new MemoryListener(() => host.listeners.delete(key));
        host.listeners.set(key, l);
        return ok(l);
      },
      sender: (o: SenderOptions): Result<SenderSocket, TransportError> => {
        const port = ports.next();
        const key = `${o.local}|${port}`;
        host.usedPorts.add(key);
        const source = WILDCARDS.has(o.local) ? ([...host.addresses][0] ?? o.local) : o.local;
        let open = true;
        return ok({
          sourcePort: port,
          send: (bytes: Uint8Array): Result<true, TransportError> => {
            if (!open) return err({ code: "ERR_SOCKET_CLOSED", message: "closed" });
            this.sent.set(source, (this.sent.get(source) ?? 0) + 1);
            this.deliver(source, port, o.peer, o.port, bytes);
            return ok(true);
          },
          close: () => {
            open = false;
            host.usedPorts.delete(key);
          },
        });
      },
    };
  }

  /** Drop everything between `a` and `b` (both directions) until `heal`. */
  partition(a: string, b: string): void {
    this.cut.add(`${a}|${b}`);
    this.cut.add(`${b}|${a}`);
  }

  /** Undo `partition`. */
  heal(a: string, b: string): void {
    this.cut.delete(`${a}|${b}`);
    this.cut.delete(`${b}|${a}`);
  }

  /** Deliver one datagram; false when nothing listens there or the link is cut. */
  deliver(
    from: string,
    fromPort: number,
    to: string,
    toPort: number,
    bytes: Uint8Array,
    ttl?: number,
  ): boolean {
    if (this.cut.has(`${from}|${to}`)) return false;
    const host = this.hosts.find((h) => h.addresses.has(to));
    if (host === undefined) return false;
    const l =
      host.listeners.get(`${to}|${toPort}`) ??
      host.listeners.get(`${to.includes(":") ? "::" : "0.0.0.0"}|${toPort}`);
    if (l === undefined) return false;
    l.deliver({
      data: Uint8Array.from(bytes),
      address: from,
      port: fromPort,
      ifname: undefined,
      ttl: ttl ?? this.ttl(from, to),
    });
    return true;
  }

  /** Listening sockets currently open on host `name` (`address|port` keys). */
  listening(name: string): string[] {
    return [...(this.hosts.find((h) => h.name === name)?.listeners.keys() ?? [])].sort();
  }
}
