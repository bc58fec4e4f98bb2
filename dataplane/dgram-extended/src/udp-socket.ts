/**
 * UDP over IPv4 or IPv6 with what node:dgram lacks: every datagram reports its
 * destination address, arrival interface and received TTL / hop limit
 * (IP_PKTINFO + IP_RECVTTL, RFC 3542 §6 IPV6_RECVPKTINFO + IPV6_RECVHOPLIMIT);
 * sockets can bind to a device, set TTL / hop limit and DSCP, join groups on
 * a named interface and send from an explicit source address or interface.
 *
 * Events: `message` (one `UdpMessage`), `error` (a Node-style error; without
 * a listener it becomes a process warning), `close` (once, on the next tick
 * after `close()`). Listener exceptions never escape into the event loop:
 * they are re-emitted as `error` with code `ERR_DGRAM_EXT_LISTENER`.
 */
import { EventEmitter } from "node:events";
import { type Family, canonicalAddress } from "./addresses.js";
import { Channel, type ReceiveTuning, listenerError, reportError, tuningFrom } from "./channel.js";
import { codedError } from "./errors.js";
import { K, Meta, MetaFlag, type NativeSocket, openNative } from "./native-binding.js";
import { netnsPath } from "./netns.js";

/** One received datagram with its ancillary data. */
export interface UdpMessage {
  /** Payload (a view into the batch's buffer). */
  readonly data: Buffer;
  /** Source address; scoped IPv6 sources carry `%ifname`, as node:dgram does. */
  readonly address: string;
  /** Source port. */
  readonly port: number;
  readonly family: Family;
  /** Destination address of the IP header (unicast or the multicast group). */
  readonly destination: string | undefined;
  /** Arrival interface index (0 when unknown). */
  readonly ifindex: number;
  /** Arrival interface name. */
  readonly ifname: string | undefined;
  /** Received TTL (IPv4) or hop limit (IPv6). */
  readonly ttl: number | undefined;
  /** Received TOS byte (IPv4) or traffic class (IPv6); DSCP is `tos >> 2`. */
  readonly tos: number | undefined;
  /** True when the datagram was longer than `maxMessageSize` and was cut. */
  readonly truncated: boolean;
  /** Arrival time, CLOCK_MONOTONIC ns (the clock of `process.hrtime.bigint()`). */
  readonly receivedAt: bigint;
}

/** Options of `createUdpSocket`. Everything but `family` is optional. */
export interface UdpSocketOptions extends Partial<ReceiveTuning> {
  readonly family: Family;
  /** Bind address, `%scope` allowed (`fe80::1%eth0`, `ff02::dd%eth0`). Binding happens at creation when `address` or `port` is given. */
  readonly address?: string;
  readonly port?: number;
  readonly reuseAddress?: boolean;
  readonly reusePort?: boolean;
  /** SO_BINDTODEVICE: only traffic of this interface is received, and sent through it. */
  readonly device?: string;
  /** IPV6_V6ONLY (family 6). Default true: an IPv6 socket does not see IPv4. */
  readonly ipv6Only?: boolean;
  /** Unicast TTL / hop limit. */
  readonly ttl?: number;
  readonly multicastTtl?: number;
  /** Whole TOS / traffic-class byte. Use `dscp` for the DSCP field alone. */
  readonly tos?: number;
  /** DSCP code point (RFC 2474); `DSCP.CS6` for BFD (RFC 5881 §4 suggests network control). */
  readonly dscp?: number;
  readonly multicastLoop?: boolean;
  /** Interface (name) for outgoing multicast. */
  readonly multicastInterface?: string;
  /** Drop datagrams below this TTL in the kernel (IP_MINTTL / IPV6_MINHOPCOUNT, RFC 5082 GTSM). */
  readonly minTtl?: number;
  readonly receiveBufferSize?: number;
  readonly sendBufferSize?: number;
  /** Create the socket inside this network namespace (name under /run/netns or a path). */
  readonly netns?: string;
  /**
   * Deliver a multicast datagram only when this socket joined its group on
   * the interface it arrived on (default true). Linux otherwise hands a
   * wildcard-bound socket any group joined by anyone on any interface.
   */
  readonly strictMulticast?: boolean;
}

/** Per-datagram send options. */
export interface SendOptions {
  /** Source address to put in the IP header (must be local). */
  readonly source?: string;
  /** Outgoing interface, by name or index. */
  readonly interface?: string | number;
}

/** Counters of one socket. */
export interface UdpSocketStats {
  readonly received: number;
  readonly batches: number;
  readonly truncated: number;
  /** Multicast datagrams dropped because this socket had not joined that group on that interface. */
  readonly foreignMulticastDropped: number;
}

/** Event map of `UdpSocket`. */
export type UdpSocketEvents = { message: [UdpMessage]; error: [Error]; close: [] };

/** Well-known DSCP code points (RFC 2474, RFC 4594). */
export const DSCP = { CS0: 0, CS1: 8, AF41: 34, EF: 46, CS6: 48, CS7: 56 } as const;

function checkByte(name: string, v: number, lo = 0, hi = 255): number {
  if (!Number.isInteger(v) || v < lo || v > hi)
    throw codedError("ERR_OUT_OF_RANGE", `${name} must be ${lo}..${hi}`);
  return v;
}

/** A UDP socket; create with `createUdpSocket`. */
export class UdpSocket extends EventEmitter<UdpSocketEvents> {
  readonly family: Family;
  readonly #ch: Channel;
  readonly #strict: boolean;
  readonly #groups = new Set<string>();
  #received = 0;
  #batches = 0;
  #truncated = 0;
  #foreign = 0;

  /** @internal use `createUdpSocket`. */
  constructor(native: NativeSocket, family: Family, tuning: ReceiveTuning, strictMulticast: boolean) {
    super();
    this.family = family;
    this.#strict = strictMulticast;
    this.#ch = new Channel(
      native,
      tuning,
      (n, meta, data, strings, rxTime) => this.#deliver(n, meta, data, strings ?? [], rxTime),
      (e) => reportError(this, e),
    );
  }

  #deliver(
    n: number,
    meta: Int32Array,
    data: Buffer,
    strings: readonly (string | undefined)[],
    rxTime: bigint,
  ): void {
    this.#batches += 1;
    const stride = K.META_STRIDE;
    for (let i = 0; i < n && !this.#ch.closed; i++) {
      const r = i * stride;
      const offset = meta[r + Meta.offset] ?? 0;
      const flags = meta[r + Meta.flags] ?? 0;
      const ifindex = meta[r + Meta.ifindex] ?? 0;
      const ttl = meta[r + Meta.ttl] ?? -1;
      const tos = meta[r + Meta.tos] ?? -1;
      const destination = strings[i * 3 + 1];
      if (
        (flags & MetaFlag.dstMulticast) !== 0 &&
        this.#strict &&
        !this.#groups.has(`${destination}%${ifindex}`)
      ) {
        this.#foreign += 1;
        continue;
      }
      const truncated = (flags & MetaFlag.truncated) !== 0;
      if (truncated) this.#truncated += 1;
      this.#received += 1;
      const msg: UdpMessage = {
        data: data.subarray(offset, offset + (meta[r + Meta.length] ?? 0)),
        address: strings[i * 3] ?? "",
        port: meta[r + Meta.port] ?? 0,
        family: this.family,
        destination,
        ifindex,
        ifname: strings[i * 3 + 2],
        ttl: ttl < 0 ? undefined : ttl,
        tos: tos < 0 ? undefined : tos,
        truncated,
        receivedAt: rxTime,
      };
      try {
        this.emit("message", msg);
      } catch (e) {
        reportError(this, listenerError("message", e));
      }
    }
  }

  #level(): number {
    return this.family === 4 ? K.IPPROTO_IP : K.IPPROTO_IPV6;
  }

  /** @internal starts receiving; called by `createUdpSocket`. */
  start(): void {
    this.#ch.start();
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#ch.closed;
  }

  /** Binds to `address` (default: any; `%scope` allowed) and `port` (default 0: ephemeral). */
  bind(address?: string, port = 0): void {
    this.#ch.open().bindInet(address, port);
  }

  /** Local address and port (after bind or the first send). */
  address(): { address: string; port: number; family: Family } {
    return this.#ch.open().localInet();
  }

  /**
   * Sends one datagram at once (non-blocking). Returns the bytes sent; throws
   * a Node-style error (`EAGAIN` when the send buffer is full, `ENETUNREACH`,
   * `EADDRNOTAVAIL` for a non-local source, …).
   */
  send(data: Uint8Array, address: string, port: number, options: SendOptions = {}): number {
    const native = this.#ch.open();
    if (options.source === undefined && options.interface === undefined)
      return native.sendInet(data, address, port);
    return native.sendInet(data, address, port, options.source, this.#ifindexOf(options.interface));
  }

  /** Sends a burst to one destination with one sendmmsg(2); returns how many left (0: buffer full). */
  sendMany(datagrams: readonly Uint8Array[], address: string, port: number): number {
    return this.#ch.open().sendManyInet(datagrams, address, port);
  }

  #ifindexOf(iface: string | number | undefined): number {
    if (iface === undefined) return 0;
    return typeof iface === "number" ? iface : this.interfaceIndex(iface);
  }

  /** Interface index of `name` in the socket's own network namespace. */
  interfaceIndex(name: string): number {
    return this.#ch.open().ifIndex(name);
  }

  /** SO_REUSEADDR. */
  setReuseAddress(on: boolean): void {
    this.#ch.open().setInt(K.SOL_SOCKET, K.SO_REUSEADDR, on ? 1 : 0);
  }

  /** SO_REUSEPORT. */
  setReusePort(on: boolean): void {
    this.#ch.open().setInt(K.SOL_SOCKET, K.SO_REUSEPORT, on ? 1 : 0);
  }

  /** SO_BINDTODEVICE; an empty name removes the binding. Needs CAP_NET_RAW on older kernels. */
  bindToDevice(name: string): void {
    this.#ch.open().setBytes(K.SOL_SOCKET, K.SO_BINDTODEVICE, Buffer.from(name, "latin1"));
  }

  /** Unicast TTL (IPv4) / hop limit (IPv6), 1..255. */
  setTtl(ttl: number): void {
    const opt = this.family === 4 ? K.IP_TTL : K.IPV6_UNICAST_HOPS;
    this.#ch.open().setInt(this.#level(), opt, checkByte("ttl", ttl, 1));
  }

  /** Multicast TTL / hop limit, 0..255. */
  setMulticastTtl(ttl: number): void {
    const opt = this.family === 4 ? K.IP_MULTICAST_TTL : K.IPV6_MULTICAST_HOPS;
    this.#ch.open().setInt(this.#level(), opt, checkByte("multicastTtl", ttl));
  }

  /** Minimum accepted TTL / hop limit (GTSM, RFC 5082); 0 disables. */
  setMinTtl(ttl: number): void {
    const opt = this.family === 4 ? K.IP_MINTTL : K.IPV6_MINHOPCOUNT;
    this.#ch.open().setInt(this.#level(), opt, checkByte("minTtl", ttl));
  }

  /** The whole TOS / traffic-class byte (DSCP << 2 | ECN). */
  setTos(tos: number): void {
    const opt = this.family === 4 ? K.IP_TOS : K.IPV6_TCLASS;
    this.#ch.open().setInt(this.#level(), opt, checkByte("tos", tos));
  }

  /** The DSCP field (RFC 2474 §3), ECN bits zero. */
  setDscp(dscp: number): void {
    this.setTos(checkByte("dscp", dscp, 0, 63) << 2);
  }

  /** Whether our own multicast is looped back to local listeners. */
  setMulticastLoop(on: boolean): void {
    const opt = this.family === 4 ? K.IP_MULTICAST_LOOP : K.IPV6_MULTICAST_LOOP;
    this.#ch.open().setInt(this.#level(), opt, on ? 1 : 0);
  }

  /** Interface for outgoing multicast, by name or index. */
  setMulticastInterface(iface: string | number): void {
    this.#ch.open().multicastInterface(this.#ifindexOf(iface));
  }

  /** Joins `group` on interface `iface` (name or index). */
  addMembership(group: string, iface: string | number): void {
    const ifindex = this.#ifindexOf(iface);
    const canonical = canonicalAddress(group);
    this.#ch.open().membership(true, canonical, ifindex);
    this.#groups.add(`${this.#asReported(canonical)}%${ifindex}`);
  }

  /** Leaves `group` on interface `iface`. */
  dropMembership(group: string, iface: string | number): void {
    const ifindex = this.#ifindexOf(iface);
    const canonical = canonicalAddress(group);
    this.#ch.open().membership(false, canonical, ifindex);
    this.#groups.delete(`${this.#asReported(canonical)}%${ifindex}`);
  }

  // The destination string the addon reports for a datagram to `group`.
  #asReported(group: string): string {
    return this.family === 6 && !group.includes(":") ? `::ffff:${group}` : group;
  }

  /** SO_RCVBUF (the kernel doubles the value, socket(7)). */
  setReceiveBufferSize(bytes: number): void {
    this.#ch.open().setInt(K.SOL_SOCKET, K.SO_RCVBUF, bytes);
  }

  /** SO_SNDBUF. */
  setSendBufferSize(bytes: number): void {
    this.#ch.open().setInt(K.SOL_SOCKET, K.SO_SNDBUF, bytes);
  }

  /** Counters since creation. */
  stats(): UdpSocketStats {
    return {
      received: this.#received,
      batches: this.#batches,
      truncated: this.#truncated,
      foreignMulticastDropped: this.#foreign,
    };
  }

  /** Keep the event loop alive while open (the default). */
  ref(): this {
    this.#ch.setRef(true);
    return this;
  }

  /** Let the process exit even while this socket is open. */
  unref(): this {
    this.#ch.setRef(false);
    return this;
  }

  /** Closes the socket. Idempotent; `close` is emitted once, on the next tick. */
  close(): void {
    if (!this.#ch.close()) return;
    process.nextTick(() => {
      try {
        this.emit("close");
      } catch (e) {
        reportError(this, listenerError("close", e));
      }
    });
  }
}

function configure(s: UdpSocket, native: NativeSocket, o: UdpSocketOptions): void {
  const v4 = o.family === 4;
  // Ancillary data on every datagram. An IPv6 socket that also carries IPv4
  // (ipv6Only false) reports IPv4 datagrams through the IPv4 options.
  if (v4 || o.ipv6Only === false) {
    native.setInt(K.IPPROTO_IP, K.IP_PKTINFO, 1);
    native.setInt(K.IPPROTO_IP, K.IP_RECVTTL, 1);
    native.setInt(K.IPPROTO_IP, K.IP_RECVTOS, 1);
  }
  if (!v4) {
    native.setInt(K.IPPROTO_IPV6, K.IPV6_V6ONLY, o.ipv6Only === false ? 0 : 1);
    native.setInt(K.IPPROTO_IPV6, K.IPV6_RECVPKTINFO, 1);
    native.setInt(K.IPPROTO_IPV6, K.IPV6_RECVHOPLIMIT, 1);
    native.setInt(K.IPPROTO_IPV6, K.IPV6_RECVTCLASS, 1);
  }
  // Receive only groups this socket joined (ip(7) IP_MULTICAST_ALL; the IPv6
  // option exists since Linux 4.20, older kernels refuse it and the strict
  // filter in #deliver still applies).
  native.setInt(K.IPPROTO_IP, K.IP_MULTICAST_ALL, 0);
  if (!v4) {
    try {
      native.setInt(K.IPPROTO_IPV6, K.IPV6_MULTICAST_ALL, 0);
    } catch {
      // pre-4.20 kernel
    }
  }
  if (o.reuseAddress === true) s.setReuseAddress(true);
  if (o.reusePort === true) s.setReusePort(true);
  if (o.device !== undefined) s.bindToDevice(o.device);
  if (o.receiveBufferSize !== undefined) s.setReceiveBufferSize(o.receiveBufferSize);
  if (o.sendBufferSize !== undefined) s.setSendBufferSize(o.sendBufferSize);
  if (o.ttl !== undefined) s.setTtl(o.ttl);
  if (o.multicastTtl !== undefined) s.setMulticastTtl(o.multicastTtl);
  if (o.minTtl !== undefined) s.setMinTtl(o.minTtl);
  if (o.tos !== undefined) s.setTos(o.tos);
  if (o.dscp !== undefined) s.setDscp(o.dscp);
  if (o.multicastLoop !== undefined) s.setMulticastLoop(o.multicastLoop);
  if (o.multicastInterface !== undefined) s.setMulticastInterface(o.multicastInterface);
  if (o.address !== undefined || o.port !== undefined) s.bind(o.address, o.port ?? 0);
}

/**
 * Creates a UDP socket, applies the options, binds when asked and starts
 * receiving. Throws a Node-style error (and leaves no descriptor open) when
 * any step fails.
 */
export function createUdpSocket(options: UdpSocketOptions): UdpSocket {
  if (options.family !== 4 && options.family !== 6) {
    throw codedError("ERR_INVALID_ARG_VALUE", "family must be 4 or 6");
  }
  const tuning = tuningFrom(options);
  const domain = options.family === 4 ? K.AF_INET : K.AF_INET6;
  const ns = options.netns === undefined ? undefined : netnsPath(options.netns);
  const native = openNative(domain, K.SOCK_DGRAM, K.IPPROTO_UDP, ns);
  const socket = new UdpSocket(native, options.family, tuning, options.strictMulticast ?? true);
  try {
    configure(socket, native, options);
    socket.start();
  } catch (e) {
    native.close();
    throw e;
  }
  return socket;
}
