/**
 * dgram-extended: UDP with ancillary data, ICMP echo and netlink sockets for
 * Node.js, as a Node-API addon. See README.md for the API and the design
 * decisions.
 */
export { type Family, canonicalAddress } from "./addresses.js";
export { DEFAULT_TUNING, type ReceiveTuning } from "./channel.js";
export { type SystemError, isSystemError } from "./errors.js";
export {
  type DecodeResult,
  type EchoDecodeError,
  type EchoMessage,
  decodeEchoReply,
  encodeEchoRequest,
  internetChecksum,
} from "./icmp-codec.js";
export {
  type EchoReply,
  type IcmpEchoEvents,
  type IcmpEchoOptions,
  IcmpEchoSocket,
  type IcmpMode,
  type PingOptions,
  createIcmpEchoSocket,
} from "./icmp-echo.js";
export { K as constants, type NativeConstants, type NativeStats, nativeStats } from "./native-binding.js";
export {
  type NetlinkDatagram,
  NetlinkSocket,
  type NetlinkSocketEvents,
  type NetlinkSocketOptions,
  createNetlinkSocket,
} from "./netlink-socket.js";
export { netnsPath } from "./netns.js";
export {
  DSCP,
  type SendOptions,
  type UdpMessage,
  UdpSocket,
  type UdpSocketEvents,
  type UdpSocketOptions,
  type UdpSocketStats,
  createUdpSocket,
} from "./udp-socket.js";
export type { NativeProbeStats } from "./native-binding.js";
export {
  StreamEvent,
  type StreamProbeListener,
  StreamTarget,
  type StreamTargetOptions,
  finishStreamProbe,
  startStreamProbe,
  streamProbeStats,
} from "./stream-probe.js";
