/**
 * The BFD transport port: what the actor shells need from the network, with two adapters —
 * UDP over the `dgram-extended` addon (`udp-transport.ts`) and an in-memory network for tests
 * (`memory-transport.ts`). Actors never see a socket type; they see these interfaces.
 *
 * Shape (maghemite's dispatcher/egress split, ddm-bfd-maghemite.md §2.3): one listening socket
 * per (local address, port) shared by every session on it, and one sending socket per session,
 * bound to a source port in 49152–65535 (RFC 5881 §4) with TTL / hop limit 255 (RFC 5881 §5,
 * RFC 5883 §5) and DSCP CS6 (RFC 5881 §4: network control precedence).
 */
import type { Result } from "../../protocols/common/result.js";

/** UDP destination port of single-hop Control packets (RFC 5881 §4). */
export const SINGLE_HOP_PORT = 3784;
/** UDP destination port of multihop Control packets (RFC 5883 §5). */
export const MULTI_HOP_PORT = 4784;

/** One datagram as the listener sees it. */
export interface BfdDatagram {
  readonly data: Uint8Array;
  /** Source address in canonical text; link-local IPv6 sources carry `%ifname`. */
  readonly address: string;
  readonly port: number;
  /** Arrival interface, when known. */
  readonly ifname: string | undefined;
  /** Received TTL / hop limit, when the transport can observe it (GTSM, RFC 5881 §5). */
  readonly ttl: number | undefined;
}

/** A bound listening socket. Datagrams go to `handler`, which its owner sets after opening. */
export interface ListenerSocket {
  handler: ((d: BfdDatagram) => void) | null;
  /** Datagrams read from the socket so far. */
  readonly received: number;
  close(): void;
}

/** Why a socket operation failed (a Node-style errno code such as `EADDRINUSE`, or `ERR_…`). */
export interface TransportError {
  readonly code: string;
  readonly message: string;
}

/** A session's sending socket. */
export interface SenderSocket {
  /** The bound source port (49152–65535). */
  readonly sourcePort: number;
  /** Send one packet to the session's peer; never throws. */
  send(bytes: Uint8Array): Result<true, TransportError>;
  close(): void;
}

/** Where to listen. */
export interface ListenOptions {
  readonly family: 4 | 6;
  /** Local address (`0.0.0.0` / `::` for any; `%scope` allowed). */
  readonly address: string;
  readonly port: number;
}

/** Where a session sends from and to. */
export interface SenderOptions {
  readonly family: 4 | 6;
  /** Local address to bind (the session's listen address; the wildcard lets routing choose). */
  readonly local: string;
  /** The peer, `%scope` allowed for link-local IPv6. */
  readonly peer: string;
  readonly port: number;
}

/** The network as the BFD actors use it. */
export interface BfdTransport {
  /** Bind a listening socket; errors are values (the API maps them to 500, as mgd does). */
  listen(options: ListenOptions): Result<ListenerSocket, TransportError>;
  /** Bind a sending socket on the next free source port (up to 64 tries on `EADDRINUSE`). */
  sender(options: SenderOptions): Result<SenderSocket, TransportError>;
}
