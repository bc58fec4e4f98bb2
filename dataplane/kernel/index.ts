/**
 * Public surface of the kernel routing edge: the rtnetlink route codec and
 * the `RouteTable` abstraction DDM programs through. The netlink socket
 * itself comes from the `dgram-extended` addon.
 */
export { RTPROT_MAGNETITE, RT_TABLE_MAIN } from "./constants.js";
export { type NetlinkDecodeCode, type NetlinkDecodeError, decodeMessages } from "./netlink.js";
export {
  fibChangeToOp,
  type IfIndexOf,
  MemoryRouteTable,
  type RouteKey,
  type RouteTable,
  type RouteTableError,
} from "./routes.js";
export {
  decodeReplies,
  encodeDeleteRoute,
  encodeDumpRoutes,
  encodeReplaceRoute,
  type KernelNexthop,
  type KernelRoute,
  type RouteEncodeCode,
  type RouteReply,
  type RouteSpec,
} from "./rtnetlink.js";
