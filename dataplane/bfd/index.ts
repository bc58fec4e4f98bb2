/** The BFD transport port and its adapters (UDP over dgram-extended; in-memory for tests). */
export { MemoryNetwork } from "./memory-transport.js";
export { BIND_ATTEMPTS, SOURCE_PORT_MAX, SOURCE_PORT_MIN, SourcePortAllocator } from "./source-ports.js";
export {
  type BfdDatagram,
  type BfdTransport,
  type ListenerSocket,
  type ListenOptions,
  MULTI_HOP_PORT,
  type SenderOptions,
  type SenderSocket,
  SINGLE_HOP_PORT,
  type TransportError,
} from "./transport.js";
export { type UdpTransportOptions, udpTransport } from "./udp-transport.js";
