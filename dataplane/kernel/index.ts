/**
 * Public surface of the kernel routing edge: the rtnetlink route codec, the
 * `RouteTable` abstraction DDM programs through (in memory, or over a
 * `dgram-extended` netlink socket) and the `RouteSync` reconciler.
 */
export { RTPROT_MAGNETITE, RT_TABLE_MAIN } from "./constants.js";
export { type NetlinkDecodeCode, type NetlinkDecodeError, decodeMessages } from "./netlink.js";
export {
  DEFAULT_ROUTE_METRIC,
  NetlinkRouteTable,
  type NetlinkRouteTableOptions,
  type NetlinkTableStats,
  openNetlinkRouteTable,
} from "./netlink-table.js";
export {
  diffRoutes,
  type RouteDiff,
  RouteSync,
  type RouteSyncEvent,
  type RouteSyncOptions,
  routeKeyString,
  sameNexthops,
} from "./route-sync.js";
export {
  fibChangeToOp,
  type IfIndexOf,
  MemoryRouteTable,
  type RouteBatchResult,
  type RouteKey,
  type RouteOp,
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
