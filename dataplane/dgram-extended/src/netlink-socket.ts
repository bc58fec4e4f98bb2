/**
 * AF_NETLINK sockets (netlink(7)), NETLINK_ROUTE by default. This layer moves
 * raw datagrams only: one received datagram may hold several netlink
 * messages, and encoding/decoding them is the caller's job (rtnetlink codecs
 * live in dataplane/kernel/).
 *
 * Events: `message` (one `NetlinkDatagram`), `error` (ENOBUFS when the kernel
 * had to drop messages for us, which means a resync is due), `close`.
 */
import { EventEmitter } from "node:events";
import { Channel, type ReceiveTuning, listenerError, reportError, tuningFrom } from "./channel.js";
import { codedError } from "./errors.js";
import { K, Meta, MetaFlag, type NativeSocket, openNative } from "./native-binding.js";
import { netnsPath } from "./netns.js";

export interface NetlinkSocketOptions extends Partial<ReceiveTuning> {
  /** Netlink family (default NETLINK_ROUTE). */
  readonly protocol?: number;
  /** Multicast groups to join, by number (e.g. RTNLGRP_IPV6_ROUTE = 11). */
  readonly groups?: readonly number[];
  /** Create the socket inside this network namespace (name under /run/netns or a path). */
  readonly netns?: string;
  readonly receiveBufferSize?: number;
  /** NETLINK_EXT_ACK: errors carry the kernel's explanation (default true). */
  readonly extendedAck?: boolean;
  /** NETLINK_GET_STRICT_CHK: the kernel filters dumps by the request header (default false). */
  readonly strictCheck?: boolean;
}

/** One datagram from the kernel or another netlink socket. */
export interface NetlinkDatagram {
  /** One or more netlink messages back to back. */
  readonly data: Buffer;
  /** Sender's port id; 0 is the kernel. */
  readonly portId: number;
  /** Multicast group bitmask the datagram was sent to (0: unicast to us). */
  readonly groups: number;
  readonly truncated: boolean;
  /** CLOCK_MONOTONIC ns. */
  readonly receivedAt: bigint;
}

export type NetlinkSocketEvents = { message: [NetlinkDatagram]; error: [Error]; close: [] };

/** A netlink socket; create with `createNetlinkSocket`. */
export class NetlinkSocket extends EventEmitter<NetlinkSocketEvents> {
  readonly protocol: number;
  readonly #ch: Channel;

  /** @internal use `createNetlinkSocket`. */
  constructor(native: NativeSocket, protocol: number, tuning: ReceiveTuning) {
    super();
    this.protocol = protocol;
    this.#ch = new Channel(
      native,
      tuning,
      (n, meta, data, _strings, rxTime) => this.#deliver(n, meta, data, rxTime),
      (e) => reportError(this, e),
    );
  }

  /** @internal */
  start(): void {
    this.#ch.start();
  }

  #deliver(n: number, meta: Int32Array, data: Buffer, rxTime: bigint): void {
    const stride = K.META_STRIDE;
    for (let i = 0; i < n && !this.#ch.closed; i++) {
      const r = i * stride;
      const offset = meta[r + Meta.offset] ?? 0;
      const d: NetlinkDatagram = {
        data: data.subarray(offset, offset + (meta[r + Meta.length] ?? 0)),
        portId: (meta[r + Meta.port] ?? 0) >>> 0,
        groups: (meta[r + Meta.scope] ?? 0) >>> 0,
        truncated: ((meta[r + Meta.flags] ?? 0) & MetaFlag.truncated) !== 0,
        receivedAt: rxTime,
      };
      try {
        this.emit("message", d);
      } catch (e) {
        reportError(this, listenerError("message", e));
      }
    }
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#ch.closed;
  }

  /** Our port id (nl_pid), assigned by the kernel at creation. */
  get portId(): number {
    return this.#ch.open().localNetlink().portId;
  }

  /** Sends raw netlink bytes to `portId` (0: the kernel). Returns bytes sent. */
  send(data: Uint8Array, portId = 0, groups = 0): number {
    return this.#ch.open().sendNetlink(data, portId, groups);
  }

  /** Joins multicast group number `group` (NETLINK_ADD_MEMBERSHIP). */
  addMembership(group: number): void {
    this.#ch.open().setInt(K.SOL_NETLINK, K.NETLINK_ADD_MEMBERSHIP, group);
  }

  /** Leaves multicast group number `group`. */
  dropMembership(group: number): void {
    this.#ch.open().setInt(K.SOL_NETLINK, K.NETLINK_DROP_MEMBERSHIP, group);
  }

  ref(): this {
    this.#ch.setRef(true);
    return this;
  }

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

/** Opens, configures and binds a netlink socket and starts receiving. */
export function createNetlinkSocket(options: NetlinkSocketOptions = {}): NetlinkSocket {
  const protocol = options.protocol ?? K.NETLINK_ROUTE;
  if (!Number.isInteger(protocol) || protocol < 0)
    throw codedError("ERR_INVALID_ARG_VALUE", "bad netlink protocol");
  const tuning = tuningFrom(options, { batchSize: 16, maxPerEvent: 256, maxMessageSize: 65536 });
  const ns = options.netns === undefined ? undefined : netnsPath(options.netns);
  const native = openNative(K.AF_NETLINK, K.SOCK_RAW, protocol, ns);
  const socket = new NetlinkSocket(native, protocol, tuning);
  try {
    if (options.receiveBufferSize !== undefined)
      native.setInt(K.SOL_SOCKET, K.SO_RCVBUF, options.receiveBufferSize);
    if (options.extendedAck ?? true) native.setInt(K.SOL_NETLINK, K.NETLINK_EXT_ACK, 1);
    if (options.strictCheck === true) native.setInt(K.SOL_NETLINK, K.NETLINK_GET_STRICT_CHK, 1);
    native.bindNetlink(0, 0);
    for (const g of options.groups ?? []) socket.addMembership(g);
    socket.start();
  } catch (e) {
    native.close();
    throw e;
  }
  return socket;
}
