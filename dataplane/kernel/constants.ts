/**
 * Netlink and rtnetlink constants (values from the kernel UAPI headers
 * `linux/netlink.h` and `linux/rtnetlink.h`; facts only).
 */

/** `struct nlmsghdr`: len u32, type u16, flags u16, seq u32, pid u32. */
export const NLMSG_HDRLEN = 16;
/** `struct rtmsg`: family, dst_len, src_len, tos, table, protocol, scope, type (u8 each), flags u32. */
export const RTMSG_LEN = 12;
/** `struct rtattr`: len u16, type u16. */
export const RTA_HDRLEN = 4;
/** `struct rtnexthop`: len u16, flags u8, hops u8, ifindex i32. */
export const RTNH_LEN = 8;

/** Control message types. */
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;

/** Route message types. */
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;
/** Nexthop object message types (Linux ≥ 5.3, `linux/nexthop.h`). */
export const RTM_NEWNEXTHOP = 104;
export const RTM_DELNEXTHOP = 105;
export const RTM_GETNEXTHOP = 106;

/** Request flags. */
export const NLM_F_REQUEST = 0x01;
export const NLM_F_MULTI = 0x02;
export const NLM_F_ACK = 0x04;
export const NLM_F_DUMP_INTR = 0x10;
/** GET modifiers. */
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
/** NEW modifiers. */
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const NLM_F_APPEND = 0x800;
/** Flags on an NLMSG_ERROR acknowledgement. */
export const NLM_F_CAPPED = 0x100;
export const NLM_F_ACK_TLVS = 0x200;
/** Extended-ack attribute carrying a human-readable message. */
export const NLMSGERR_ATTR_MSG = 1;

/** Route attributes we use. */
export const RTA_DST = 1;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_MULTIPATH = 9;
export const RTA_TABLE = 15;
/** u32: the route forwards through this nexthop object. */
export const RTA_NH_ID = 30;

/** `struct nhmsg`: family, scope, protocol, resvd (u8 each), flags u32. */
export const NHMSG_LEN = 8;
/** `struct nexthop_grp`: id u32, weight u8 (weight - 1), resvd u8, resvd u16. */
export const NEXTHOP_GRP_LEN = 8;
/** Nexthop object attributes. */
export const NHA_ID = 1;
export const NHA_GROUP = 2;
export const NHA_GROUP_TYPE = 3;
export const NHA_BLACKHOLE = 4;
export const NHA_OIF = 5;
export const NHA_GATEWAY = 6;
/** The rtnetlink multicast group of nexthop object changes. */
export const RTNLGRP_NEXTHOP = 32;

/** Link messages and their group (`struct ifinfomsg`: family u8, pad u8, type u16, index i32, flags u32, change u32). */
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const IFINFOMSG_LEN = 16;
export const RTNLGRP_LINK = 1;
/** Link flags. */
export const IFF_UP = 0x1;
export const IFF_RUNNING = 0x40;
export const IFF_LOWER_UP = 0x1_0000;

/** Address families. */
export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;

/** Tables. A table id above 255 goes in RTA_TABLE with rtm_table = RT_TABLE_COMPAT. */
export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_COMPAT = 252;
export const RT_TABLE_MAIN = 254;

/** Scopes and types. */
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_LINK = 253;
export const RTN_UNICAST = 1;

/**
 * Our route protocol number, so `ip route show proto 221` lists exactly our
 * routes and a restart can find and reconcile them (spec Part 5 item 5: ddmd
 * never reconciles). 221 = 0xdd, after DDM's `ff02::dd`; it is not among the
 * kernel's RTPROT_* values (0–18, 42, 99, 186–189, 192) nor in Debian's
 * /etc/iproute2/rt_protos. Operators may name it in rt_protos.d as `ddm`.
 */
export const RTPROT_MAGNETITE = 221;
