/**
 * Typed view of the compiled addon (`build/Release/dgram_extended.node`,
 * built by node-gyp from `src/native/`). Everything above this file talks to
 * the kernel only through these signatures.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** Columns of one message's row in the metadata `Int32Array` (mirrors `src/native/common.h`). */
export const Meta = {
  offset: 0,
  length: 1,
  flags: 2,
  ifindex: 3,
  ttl: 4,
  tos: 5,
  port: 6,
  scope: 7,
} as const;

/** Bits of the `flags` column. */
export const MetaFlag = {
  truncated: 1,
  ctrlTruncated: 2,
  dstMulticast: 4,
  hasDst: 8,
} as const;

/**
 * The receive callback. On error only `err` is set; otherwise `count` rows of
 * the metadata array describe slices of `data`. `strings` holds three entries
 * per message for IP sockets (source, destination, interface name) and is
 * undefined for netlink. `rxTime` is CLOCK_MONOTONIC in nanoseconds, the clock
 * of `process.hrtime.bigint()`, taken when the batch left the kernel.
 */
export type BatchCallback = (
  err: Error | null,
  count?: number,
  data?: Buffer,
  strings?: readonly (string | undefined)[],
  rxTime?: bigint,
) => void;

/** The native socket object. Methods throw Node-style errors (`code`, `errno`, `syscall`). */
export interface NativeSocket {
  start(
    callback: BatchCallback,
    meta: Int32Array,
    batchSize: number,
    maxPerEvent: number,
    slotSize: number,
  ): void;
  stop(): void;
  close(): void;
  setRef(on: boolean): void;
  fd(): number;
  setInt(level: number, name: number, value: number): void;
  getInt(level: number, name: number): number;
  setBytes(level: number, name: number, value: Uint8Array): void;
  ifIndex(name: string): number;
  ifName(index: number): string;
  bindInet(address: string | undefined, port: number): void;
  sendInet(data: Uint8Array, address: string, port: number, source?: string, ifindex?: number): number;
  sendManyInet(data: readonly Uint8Array[], address: string, port: number): number;
  membership(join: boolean, group: string, ifindex: number): void;
  multicastInterface(ifindex: number): void;
  localInet(): { address: string; port: number; family: 4 | 6 };
  bindNetlink(portId: number, groups: number): void;
  sendNetlink(data: Uint8Array, portId: number, groups: number): number;
  localNetlink(): { portId: number; groups: number };
}

/** Kernel constants as compiled into the addon (never hard-coded in TS). */
export interface NativeConstants {
  readonly AF_INET: number;
  readonly AF_INET6: number;
  readonly AF_NETLINK: number;
  readonly SOCK_DGRAM: number;
  readonly SOCK_RAW: number;
  readonly IPPROTO_IP: number;
  readonly IPPROTO_IPV6: number;
  readonly IPPROTO_UDP: number;
  readonly IPPROTO_ICMP: number;
  readonly IPPROTO_ICMPV6: number;
  readonly SOL_SOCKET: number;
  readonly SO_REUSEADDR: number;
  readonly SO_REUSEPORT: number;
  readonly SO_BINDTODEVICE: number;
  readonly SO_RCVBUF: number;
  readonly SO_SNDBUF: number;
  readonly SO_RCVBUFFORCE: number;
  readonly SO_BROADCAST: number;
  readonly IP_TTL: number;
  readonly IP_TOS: number;
  readonly IP_RECVTTL: number;
  readonly IP_RECVTOS: number;
  readonly IP_PKTINFO: number;
  readonly IP_MULTICAST_TTL: number;
  readonly IP_MULTICAST_LOOP: number;
  readonly IP_MULTICAST_ALL: number;
  readonly IP_MINTTL: number;
  readonly IPV6_V6ONLY: number;
  readonly IPV6_UNICAST_HOPS: number;
  readonly IPV6_MULTICAST_HOPS: number;
  readonly IPV6_MULTICAST_LOOP: number;
  readonly IPV6_RECVPKTINFO: number;
  readonly IPV6_RECVHOPLIMIT: number;
  readonly IPV6_TCLASS: number;
  readonly IPV6_RECVTCLASS: number;
  readonly IPV6_MINHOPCOUNT: number;
  readonly IPV6_MULTICAST_ALL: number;
  readonly SOL_NETLINK: number;
  readonly NETLINK_ROUTE: number;
  readonly NETLINK_ADD_MEMBERSHIP: number;
  readonly NETLINK_DROP_MEMBERSHIP: number;
  readonly NETLINK_EXT_ACK: number;
  readonly NETLINK_GET_STRICT_CHK: number;
  readonly NETLINK_NO_ENOBUFS: number;
  readonly SOL_RAW: number;
  readonly ICMP_FILTER: number;
  readonly ICMP6_FILTER: number;
  readonly META_STRIDE: number;
}

/** Counters of the native layer, for leak tests and diagnostics. */
export interface NativeStats {
  /** Native socket records not yet freed (freed after close and garbage collection). */
  readonly live: number;
  /** Descriptors currently open. */
  readonly open: number;
  /** Exceptions that escaped a JS callback and were swallowed (should stay 0). */
  readonly swallowed: number;
}

/** A compiled stream-probe target (`src/native/probe.cc`); opaque to TypeScript but for its handle. */
export interface NativeProbeTarget {
  readonly __nativeProbeTarget: never;
  /** What `probeStart` takes: valid while this object is alive. */
  readonly handle: number;
}

/** Counters of the stream-probe engine. */
export interface NativeProbeStats {
  /** Probes started and not yet reported or finished. */
  readonly inFlight: number;
  /** Probe descriptors currently open. */
  readonly open: number;
  /** Probe records not yet freed (freed at the end of the callback that ended them). */
  readonly records: number;
  /** Targets alive (freed when their wrapper is collected and no probe uses them). */
  readonly targets: number;
  /** Probes started since the engine was created. */
  readonly started: number;
  /** Exceptions that escaped the completion callback (should stay 0). */
  readonly swallowed: number;
}

/** Limits compiled into the stream-probe engine. */
export interface NativeProbeConstants {
  readonly ROW_STRIDE: number;
  readonly MAX_HOLD: number;
  readonly SLAB_MIN: number;
}

interface Binding {
  readonly Socket: new (domain: number, type: number, protocol: number, netnsPath?: string) => NativeSocket;
  readonly constants: NativeConstants;
  readonly stats: () => NativeStats;
  readonly ProbeTarget: new (
    address: string,
    port: number,
    source: string | undefined,
    send: Uint8Array | undefined,
    read: boolean,
    until: Uint8Array | undefined,
    holdLimit: number,
  ) => NativeProbeTarget;
  readonly probeInit: (onBatch: (count: number) => void, rows: Int32Array, slab: Uint8Array) => void;
  /** `target`: a live `NativeProbeTarget`'s `handle`. */
  readonly probeStart: (target: number, timeoutMs: number) => number;
  readonly probeFinish: (id: number, reset: boolean) => boolean;
  readonly probeStats: () => NativeProbeStats;
  readonly probeConstants: NativeProbeConstants;
}

// dist/native-binding.js -> ../build/Release/dgram_extended.node. Built as a
// path (not a literal specifier) so import-extension linting leaves it alone.
const addonPath = fileURLToPath(new URL("../build/Release/dgram_extended.node", import.meta.url));
const binding = createRequire(import.meta.url)(addonPath) as Binding;

/** Creates a native socket, optionally inside the network namespace at `netnsPath`. */
export function openNative(domain: number, type: number, protocol: number, netnsPath?: string): NativeSocket {
  return netnsPath === undefined
    ? new binding.Socket(domain, type, protocol)
    : new binding.Socket(domain, type, protocol, netnsPath);
}

/** Kernel constants. */
export const K: NativeConstants = binding.constants;

/** The stream-probe part of the addon (see `stream-probe.ts`). */
export const probeBinding: Pick<
  Binding,
  "ProbeTarget" | "probeInit" | "probeStart" | "probeFinish" | "probeStats" | "probeConstants"
> = binding;

/** Native-layer counters. */
export function nativeStats(): NativeStats {
  return binding.stats();
}
