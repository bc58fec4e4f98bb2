/**
 * ICMP echo (ping) for health checks, IPv4 and IPv6.
 *
 * Socket choice (`mode: "auto"`, the default): first an unprivileged ping
 * socket (SOCK_DGRAM + IPPROTO_ICMP/ICMPV6), which Linux allows when the
 * caller's group is inside `net.ipv4.ping_group_range` (icmp(7); the same
 * sysctl governs ICMPv6, and it is per network namespace); the kernel then
 * owns the identifier (the socket's "port") and delivers only our replies.
 * Otherwise a raw socket (needs CAP_NET_RAW), where we pick the identifier,
 * filter on it, and strip the IPv4 header. When neither is permitted the
 * error says so (code `EPERM`, with the sysctl value and the fix).
 *
 * Replies are matched on identifier, sequence, source address and the echoed
 * payload; RTT is measured from just before sendmsg to the moment the
 * reply's batch left the kernel, both on CLOCK_MONOTONIC.
 *
 * A ping's timeout is real time from the send (`performance.now()`). libuv
 * runs due timers before it polls for I/O: when a long turn outlasts the
 * timeout, a reply that arrived during it is still waiting for the poll
 * phase, so the timeout is declared from `setImmediate` (after that poll
 * phase) and only if the reply has not been matched meanwhile. And
 * `setTimeout` counts whole milliseconds of the loop's clock (truncated), so
 * it can fire up to a millisecond early; an early timer re-arms for the rest.
 */
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { type Family, canonicalAddress } from "./addresses.js";
import { Channel, type ReceiveTuning, reportError, tuningFrom } from "./channel.js";
import { codedError, isSystemError, toError } from "./errors.js";
import { decodeEchoReply, encodeEchoRequest } from "./icmp-codec.js";
import { K, Meta, type NativeSocket, openNative } from "./native-binding.js";
import { netnsPath } from "./netns.js";

/** Which kind of ICMP socket is in use. */
export type IcmpMode = "dgram" | "raw";

export interface IcmpEchoOptions extends Partial<ReceiveTuning> {
  readonly family: Family;
  /** "auto" (default) tries a ping socket, then a raw socket. */
  readonly mode?: IcmpMode | "auto";
  /** Create the socket inside this network namespace (name under /run/netns or a path). */
  readonly netns?: string;
  /** SO_BINDTODEVICE. */
  readonly device?: string;
  /** Outgoing TTL / hop limit. */
  readonly ttl?: number;
  /** DSCP of the requests. */
  readonly dscp?: number;
  /** Identifier for raw mode (random by default); ping sockets get theirs from the kernel. */
  readonly identifier?: number;
}

export interface PingOptions {
  /** Give up after this long (default 1000 ms); rejects with code `ETIMEDOUT`. */
  readonly timeoutMs?: number;
  /** Data to echo (default 16 random bytes). */
  readonly payload?: Uint8Array;
}

/** A matched echo reply. */
export interface EchoReply {
  readonly address: string;
  readonly identifier: number;
  readonly sequence: number;
  /** Round-trip time in milliseconds (fractional). */
  readonly rttMs: number;
  /** TTL / hop limit of the reply, when known. */
  readonly ttl: number | undefined;
  /** Echoed data length. */
  readonly bytes: number;
}

interface Pending {
  readonly address: string;
  readonly payload: Buffer;
  readonly sentAt: bigint;
  /** `performance.now()` at which the ping times out. */
  readonly deadline: number;
  readonly resolve: (r: EchoReply) => void;
  readonly reject: (e: Error) => void;
  /** The timeout timer; undefined once it fired (a timeout may then be pending in setImmediate). */
  timer: NodeJS.Timeout | undefined;
}

export type IcmpEchoEvents = { error: [Error]; close: [] };

/** Largest delay `setTimeout` honours (2^31 − 1 ms); it fires at once for more. */
const MAX_TIMEOUT_MS = 0x7fff_ffff;

function isDenied(e: unknown): boolean {
  return isSystemError(e) && (e.code === "EACCES" || e.code === "EPERM");
}

function pingGroupRange(): string {
  try {
    return readFileSync("/proc/sys/net/ipv4/ping_group_range", "utf8").trim().replace(/\s+/, " ");
  } catch {
    return "unknown";
  }
}

function openIcmp(
  family: Family,
  mode: IcmpMode | "auto",
  ns: string | undefined,
): { native: NativeSocket; mode: IcmpMode } {
  const domain = family === 4 ? K.AF_INET : K.AF_INET6;
  const proto = family === 4 ? K.IPPROTO_ICMP : K.IPPROTO_ICMPV6;
  let dgramError: unknown;
  if (mode !== "raw") {
    try {
      return { native: openNative(domain, K.SOCK_DGRAM, proto, ns), mode: "dgram" };
    } catch (e) {
      if (mode === "dgram" || !isDenied(e)) throw e;
      dgramError = e;
    }
  }
  try {
    return { native: openNative(domain, K.SOCK_RAW, proto, ns), mode: "raw" };
  } catch (e) {
    if (mode === "raw" || !isDenied(e)) throw e;
    const gid = typeof process.getgid === "function" ? process.getgid() : -1;
    throw codedError(
      "EPERM",
      `ICMP echo not permitted: a ping socket needs group ${gid} inside net.ipv4.ping_group_range ` +
        `(now "${pingGroupRange()}"${ns === undefined ? "" : " in this namespace; check the target namespace"}) ` +
        `and a raw socket needs CAP_NET_RAW (${toError(e).message}; ${toError(dgramError).message})`,
      { syscall: "socket", cause: e },
    );
  }
}

// Kernel-side type filters for raw sockets, so we are not woken for every
// ICMP message on the host: ICMP_FILTER (raw(7)) and ICMP6_FILTER
// (RFC 3542 §3.2) are bitmaps in host order where a set bit blocks a type.
function installFilter(native: NativeSocket, family: Family): void {
  const words = new Uint32Array(family === 4 ? 1 : 8).fill(0xffffffff);
  if (family === 4) {
    words[0] = ~(1 << 0) >>> 0; // pass echo reply (type 0)
    native.setBytes(K.SOL_RAW, K.ICMP_FILTER, new Uint8Array(words.buffer));
  } else {
    words[129 >> 5] = ~(1 << (129 & 31)) >>> 0; // pass echo reply (type 129)
    native.setBytes(K.IPPROTO_ICMPV6, K.ICMP6_FILTER, new Uint8Array(words.buffer));
  }
}

/** An ICMP echo socket; create with `createIcmpEchoSocket`. */
export class IcmpEchoSocket extends EventEmitter<IcmpEchoEvents> {
  readonly family: Family;
  readonly mode: IcmpMode;
  readonly identifier: number;
  readonly #ch: Channel;
  readonly #pending = new Map<number, Pending>();
  #sequence = 0;

  /** @internal use `createIcmpEchoSocket`. */
  constructor(
    native: NativeSocket,
    family: Family,
    mode: IcmpMode,
    identifier: number,
    tuning: ReceiveTuning,
  ) {
    super();
    this.family = family;
    this.mode = mode;
    this.identifier = identifier;
    this.#ch = new Channel(
      native,
      tuning,
      (n, meta, data, strings, rxTime) => this.#deliver(n, meta, data, strings ?? [], rxTime),
      (e) => reportError(this, e),
    );
  }

  /** @internal */
  start(): void {
    this.#ch.start();
    // Pending pings hold their own timers; an idle pinger should not keep the process alive.
    this.#ch.setRef(false);
  }

  #deliver(
    n: number,
    meta: Int32Array,
    data: Buffer,
    strings: readonly (string | undefined)[],
    rxTime: bigint,
  ): void {
    const stride = K.META_STRIDE;
    const withIpHeader = this.mode === "raw" && this.family === 4;
    for (let i = 0; i < n; i++) {
      const r = i * stride;
      const offset = meta[r + Meta.offset] ?? 0;
      const bytes = data.subarray(offset, offset + (meta[r + Meta.length] ?? 0));
      const decoded = decodeEchoReply(this.family, bytes, withIpHeader);
      if (!decoded.ok) continue; // not ours or malformed: network input is dropped, never thrown
      const reply = decoded.value;
      if (this.mode === "raw" && reply.identifier !== this.identifier) continue;
      const p = this.#pending.get(reply.sequence);
      const source = strings[i * 3] ?? "";
      if (p === undefined || !reply.payload.equals(p.payload) || !sameAddress(source, p.address)) continue;
      this.#pending.delete(reply.sequence);
      clearTimeout(p.timer);
      const metaTtl = meta[r + Meta.ttl] ?? -1;
      p.resolve({
        address: source,
        identifier: reply.identifier,
        sequence: reply.sequence,
        rttMs: Number(rxTime - p.sentAt) / 1e6,
        ttl: reply.ttl ?? (metaTtl < 0 ? undefined : metaTtl),
        bytes: reply.payload.length,
      });
    }
  }

  #nextSequence(): number {
    for (let tries = 0; tries < 0x10000; tries++) {
      this.#sequence = (this.#sequence + 1) & 0xffff;
      if (!this.#pending.has(this.#sequence)) return this.#sequence;
    }
    throw codedError("ERR_DGRAM_EXT_TOO_MANY_PINGS", "65536 echo requests outstanding");
  }

  /** Sends one echo request to `address` and resolves with the reply, or rejects (`ETIMEDOUT`, send errors). */
  ping(address: string, options: PingOptions = {}): Promise<EchoReply> {
    const timeoutMs = options.timeoutMs ?? 1000;
    const payload = Buffer.from(options.payload ?? randomBytes(16));
    return new Promise<EchoReply>((resolve, reject) => {
      let native: NativeSocket;
      try {
        native = this.#ch.open();
      } catch (e) {
        reject(toError(e));
        return;
      }
      const sequence = this.#nextSequence();
      const packet = encodeEchoRequest(this.family, this.identifier, sequence, payload);
      const ms = Math.min(MAX_TIMEOUT_MS, Math.max(0, timeoutMs));
      const p: Pending = {
        address,
        payload,
        sentAt: process.hrtime.bigint(),
        deadline: performance.now() + ms,
        resolve,
        reject,
        timer: undefined,
      };
      const timeOut = () => {
        // Still ours: not answered in the poll phase just run, nor closed, nor the sequence reused.
        if (this.#pending.get(sequence) !== p) return;
        this.#pending.delete(sequence);
        reject(codedError("ETIMEDOUT", `ping ETIMEDOUT ${address}`, { syscall: "ping", address }));
      };
      const expire = () => {
        p.timer = undefined;
        if (this.#pending.get(sequence) !== p) return;
        const left = p.deadline - performance.now();
        if (left > 0) p.timer = setTimeout(expire, Math.ceil(left));
        else setImmediate(timeOut);
      };
      p.timer = setTimeout(expire, Math.ceil(ms));
      this.#pending.set(sequence, p);
      try {
        // Port 0: ICMP has none; ping sockets ignore it.
        native.sendInet(packet, address, 0);
      } catch (e) {
        this.#pending.delete(sequence);
        clearTimeout(p.timer);
        reject(toError(e));
      }
    });
  }

  /** Outstanding requests. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Closes the socket; outstanding pings reject with `ERR_SOCKET_CLOSED`. Idempotent. */
  close(): void {
    if (!this.#ch.close()) return;
    for (const [seq, p] of this.#pending) {
      clearTimeout(p.timer);
      this.#pending.delete(seq);
      p.reject(codedError("ERR_SOCKET_CLOSED", "socket closed while waiting for an echo reply"));
    }
    process.nextTick(() => {
      try {
        this.emit("close");
      } catch (e) {
        reportError(this, toError(e));
      }
    });
  }
}

function sameAddress(reported: string, target: string): boolean {
  try {
    return canonicalAddress(reported) === canonicalAddress(target);
  } catch {
    return false;
  }
}

/** Opens an ICMP echo socket (see the module comment for how the kind is chosen). */
export function createIcmpEchoSocket(options: IcmpEchoOptions): IcmpEchoSocket {
  if (options.family !== 4 && options.family !== 6) {
    throw codedError("ERR_INVALID_ARG_VALUE", "family must be 4 or 6");
  }
  const tuning = tuningFrom(options, { batchSize: 16, maxPerEvent: 256, maxMessageSize: 65535 });
  const ns = options.netns === undefined ? undefined : netnsPath(options.netns);
  const { native, mode } = openIcmp(options.family, options.mode ?? "auto", ns);
  try {
    const v4 = options.family === 4;
    if (v4) {
      native.setInt(K.IPPROTO_IP, K.IP_RECVTTL, 1);
    } else {
      native.setInt(K.IPPROTO_IPV6, K.IPV6_RECVHOPLIMIT, 1);
      native.setInt(K.IPPROTO_IPV6, K.IPV6_RECVPKTINFO, 1);
    }
    if (options.device !== undefined) {
      native.setBytes(K.SOL_SOCKET, K.SO_BINDTODEVICE, Buffer.from(options.device, "latin1"));
    }
    if (options.ttl !== undefined)
      native.setInt(v4 ? K.IPPROTO_IP : K.IPPROTO_IPV6, v4 ? K.IP_TTL : K.IPV6_UNICAST_HOPS, options.ttl);
    if (options.dscp !== undefined)
      native.setInt(v4 ? K.IPPROTO_IP : K.IPPROTO_IPV6, v4 ? K.IP_TOS : K.IPV6_TCLASS, options.dscp << 2);
    let identifier: number;
    if (mode === "dgram") {
      // Binding port 0 makes the kernel pick the echo identifier now, so we know it.
      native.bindInet(undefined, 0);
      identifier = native.localInet().port;
    } else {
      installFilter(native, options.family);
      identifier = options.identifier ?? randomBytes(2).readUInt16BE(0);
    }
    const socket = new IcmpEchoSocket(native, options.family, mode, identifier, tuning);
    socket.start();
    return socket;
  } catch (e) {
    native.close();
    throw e;
  }
}
