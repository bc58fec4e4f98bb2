/**
 * Everything the DDM actors do to the outside world, behind one interface so
 * tests can wire routers together in memory and the daemon uses the real
 * sockets (`dataplane/ddm`): link lookup, the discovery sockets, the exchange
 * server and client.
 */
import { resolveLink } from "../../dataplane/ddm/link.js";
import {
  type DiscoveryHandlers,
  type DiscoveryTransport,
  openDiscovery,
} from "../../dataplane/ddm/discovery-transport.js";
import { type PullError, pullFrom, pushUpdate } from "../../dataplane/ddm/exchange-client.js";
import {
  type ExchangeHandlers,
  type ExchangeServer,
  startExchangeServer,
} from "../../dataplane/ddm/exchange-server.js";
import type { Result } from "../../protocols/common/result.js";
import type {
  ExchangeVersion,
  Ipv6Addr,
  LinkInfo,
  PullResponse,
  PushOutcome,
  Update,
} from "../../protocols/ddm/index.js";

/** A neighbour's exchange endpoint: its link-local address on one of our interfaces. */
export interface PeerRef {
  readonly addr: Ipv6Addr;
  readonly ifName: string;
}

/** The I/O the DDM actors need. */
export interface DdmIo {
  resolveLink(ifName: string): Result<LinkInfo, { readonly code: string }>;
  openDiscovery(link: LinkInfo, handlers: DiscoveryHandlers): Result<DiscoveryTransport, Error>;
  startServer(link: LinkInfo, handlers: ExchangeHandlers): Promise<Result<ExchangeServer, Error>>;
  push(peer: PeerRef, version: ExchangeVersion, update: Update, timeoutMs: number): Promise<PushOutcome>;
  pull(peer: PeerRef, version: ExchangeVersion, timeoutMs: number): Promise<Result<PullResponse, PullError>>;
}

/** Options of the real I/O. */
export interface SocketIoOptions {
  readonly exchangePort: number;
  readonly bodyLimit: number;
}

/** The daemon's I/O: real sockets in this process's network namespace. */
export function socketIo(opts: SocketIoOptions): DdmIo {
  return {
    resolveLink,
    openDiscovery: (link, handlers) => openDiscovery(link, handlers),
    startServer: (link, handlers) =>
      startExchangeServer(
        { host: `${link.addr}%${link.ifName}`, port: opts.exchangePort, bodyLimit: opts.bodyLimit },
        handlers,
      ),
    push: (peer, version, update, timeoutMs) =>
      pushUpdate(
        { addr: peer.addr, ifName: peer.ifName, port: opts.exchangePort },
        version,
        update,
        timeoutMs,
      ),
    pull: (peer, version, timeoutMs) =>
      pullFrom(
        { addr: peer.addr, ifName: peer.ifName, port: opts.exchangePort },
        version,
        timeoutMs,
        opts.bodyLimit,
      ),
  };
}
