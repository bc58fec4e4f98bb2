/**
 * Every VPP API message magnetite speaks, with its CRC and layout exactly as
 * maglev-vpp §6.4 lists them (offsets there include the u16 message id that
 * `encodeMessage` writes first). Session messages come from `memclnt.api`,
 * `cli_inband` / `show_version` from `vpe.api`, the rest from the LB
 * plugin's `lb.api` 1.2.0. CRCs marked [I] are the generic
 * `{context, retval}` reply CRC, which VPP gives every such reply.
 */
import { type FieldList, type MessageDef, message } from "./schema.js";

const REQ = [
  ["client_index", "u32"],
  ["context", "u32"],
] as const;
const REPLY = [
  ["context", "u32"],
  ["retval", "i32"],
] as const;
const NAME64 = { string: 64 } as const;
const VIP_ID = [
  ["pfx", "prefix"],
  ["protocol", "u8"],
  ["port", "u16"],
] as const;

/** The one message id that is fixed on the socket transport (§6.6). */
export const SOCKCLNT_CREATE_ID = 15;

// --------------------------------------------------------------- memclnt

/** Open a session; id is always 15; note: no client_index. */
export const SockclntCreate = message("sockclnt_create", "455fb9c4", [
  ["context", "u32"],
  ["name", NAME64],
] as const);
/** Session opened: our client index and VPP's `name_crc → id` table. */
export const SockclntCreateReply = message("sockclnt_create_reply", "35166268", [
  ["client_index", "u32"],
  ["context", "u32"],
  ["response", "i32"],
  ["index", "u32"],
  ["message_table", "msg_table"],
] as const);
/** Close a session. */
export const SockclntDelete = message("sockclnt_delete", "8ac76db6", [...REQ, ["index", "u32"]] as const);
/** Session closed. */
export const SockclntDeleteReply = message("sockclnt_delete_reply", "8f38b1ee", [
  ["context", "u32"],
  ["response", "i32"],
] as const);
/** Liveness probe and end-of-dump marker. */
export const ControlPing = message("control_ping", "51077d14", REQ);
/** Ping answer; carries VPP's pid. */
export const ControlPingReply = message("control_ping_reply", "f6b0b8ca", [
  ...REPLY,
  ["client_index", "u32"],
  ["vpe_pid", "u32"],
] as const);
/** VPP asking whether we are alive (shared-memory transport mostly). */
export const MemclntKeepalive = message("memclnt_keepalive", "51077d14", REQ);
/** Our answer to a keepalive. */
export const MemclntKeepaliveReply = message("memclnt_keepalive_reply", "e8d4e804", REPLY);

// ------------------------------------------------------------------- vpe

/** Run a debug-CLI command. */
export const CliInband = message("cli_inband", "f8377302", [...REQ, ["cmd", "vstring"]] as const);
/** CLI output. */
export const CliInbandReply = message("cli_inband_reply", "05879051", [
  ...REPLY,
  ["reply", "vstring"],
] as const);
/** Ask for VPP's version. */
export const ShowVersion = message("show_version", "51077d14", REQ);
/** VPP's version strings. */
export const ShowVersionReply = message("show_version_reply", "c919bde1", [
  ...REPLY,
  ["program", { string: 32 }],
  ["version", { string: 32 }],
  ["build_date", { string: 32 }],
  ["build_directory", { string: 256 }],
] as const);

// -------------------------------------------------------------------- lb

/** Global LB settings; both source addresses are always sent (§2.3). */
export const LbConf = message("lb_conf", "56cd3261", [
  ...REQ,
  ["ip4_src_address", "ip4"],
  ["ip6_src_address", "ip6"],
  ["sticky_buckets_per_core", "u32"],
  ["flow_timeout", "u32"],
] as const);
/** `lb_conf` result. */
export const LbConfReply = message("lb_conf_reply", "e8d4e804", REPLY);
/** Read the global LB settings (LB API 1.2.0). */
export const LbConfGet = message("lb_conf_get", "51077d14", REQ);
/** The global LB settings. */
export const LbConfGetReply = message("lb_conf_get_reply", "923427ac", [
  ...REPLY,
  ["ip4_src_address", "ip4"],
  ["ip6_src_address", "ip6"],
  ["sticky_buckets_per_core", "u32"],
  ["flow_timeout", "u32"],
] as const);

const VIP_BODY = [
  ...REQ,
  ...VIP_ID,
  ["encap", "u32"],
  ["dscp", "u8"],
  ["type", "u32"],
  ["target_port", "u16"],
  ["node_port", "u16"],
  ["new_flows_table_length", "u32"],
] as const;
/** Add/delete a VIP with `src_ip_sticky` (since 2022). */
export const LbAddDelVipV2 = message("lb_add_del_vip_v2", "7c520e0f", [
  ...VIP_BODY,
  ["src_ip_sticky", "bool"],
  ["is_del", "bool"],
] as const);
/** `lb_add_del_vip_v2` result. */
export const LbAddDelVipV2Reply = message("lb_add_del_vip_v2_reply", "e8d4e804", REPLY);
/** Older VIP add/delete without `src_ip_sticky`. */
export const LbAddDelVip = message("lb_add_del_vip", "6fa569c7", [...VIP_BODY, ["is_del", "bool"]] as const);
/** `lb_add_del_vip` result [I]. */
export const LbAddDelVipReply = message("lb_add_del_vip_reply", "e8d4e804", REPLY);

/** Add/delete an AS with an initial weight (LB API 1.2.0). */
export const LbAddDelAsV2 = message("lb_add_del_as_v2", "2f1d3b0e", [
  ...REQ,
  ...VIP_ID,
  ["as_address", "address"],
  ["weight", "u8"],
  ["is_del", "bool"],
  ["is_flush", "bool"],
] as const);
/** `lb_add_del_as_v2` result. */
export const LbAddDelAsV2Reply = message("lb_add_del_as_v2_reply", "e8d4e804", REPLY);
/** Older AS add/delete without weight. */
export const LbAddDelAs = message("lb_add_del_as", "35d72500", [
  ...REQ,
  ...VIP_ID,
  ["as_address", "address"],
  ["is_del", "bool"],
  ["is_flush", "bool"],
] as const);
/** `lb_add_del_as` result [I]. */
export const LbAddDelAsReply = message("lb_add_del_as_reply", "e8d4e804", REPLY);
/** Change an AS weight, optionally evicting its sticky entries (LB API 1.2.0). */
export const LbAsSetWeight = message("lb_as_set_weight", "2d89bdbd", [
  ...REQ,
  ...VIP_ID,
  ["as_address", "address"],
  ["weight", "u8"],
  ["is_flush", "bool"],
] as const);
/** `lb_as_set_weight` result. */
export const LbAsSetWeightReply = message("lb_as_set_weight_reply", "e8d4e804", REPLY);

/** Dump VIPs; the plugin ignores every filter field and returns all (§6.4). */
export const LbVipDump = message("lb_vip_dump", "56110cb7", [
  ...REQ,
  ["pfx", "prefix"],
  ["pfx_matcher_le", "u8"],
  ["pfx_matcher_ge", "u8"],
  ["protocol", "u8"],
  ["port", "u16"],
] as const);
/** One VIP (no `src_ip_sticky`, no pool index: those come from the CLI scrape, §6.5). */
export const LbVipDetails = message("lb_vip_details", "1329ec9b", [
  ["context", "u32"],
  ["vip", "lb_vip"],
  ["encap", "u32"],
  ["dscp", "u8"],
  ["srv_type", "u32"],
  ["target_port", "u16"],
  ["flow_table_length", "u16"],
] as const);
/** Dump ASes with weights; an IPv4 filter never matches (bug §10.12) — send all zeros. */
export const LbAsV2Dump = message("lb_as_v2_dump", "1063f819", [...REQ, ...VIP_ID] as const);
/** One AS with weight and bucket count. */
export const LbAsV2Details = message("lb_as_v2_details", "90064aae", [
  ["context", "u32"],
  ["vip", "lb_vip"],
  ["app_srv", "address"],
  ["flags", "u8"],
  ["in_use_since", "u32"],
  ["weight", "u8"],
  ["num_buckets", "u32"],
] as const);
/** Older AS dump. */
export const LbAsDump = message("lb_as_dump", "1063f819", [...REQ, ...VIP_ID] as const);
/** Older AS details without weight/buckets. */
export const LbAsDetails = message("lb_as_details", "8d24c29e", [
  ["context", "u32"],
  ["vip", "lb_vip"],
  ["app_srv", "address"],
  ["flags", "u8"],
  ["in_use_since", "u32"],
] as const);
/** Flush a VIP's sticky table. */
export const LbFlushVip = message("lb_flush_vip", "1063f819", [...REQ, ...VIP_ID] as const);
/** `lb_flush_vip` result [I]. */
export const LbFlushVipReply = message("lb_flush_vip_reply", "e8d4e804", REPLY);

/** Every definition, for registries and tests. */
export const ALL_MESSAGES: readonly MessageDef<FieldList>[] = [
  SockclntCreate,
  SockclntCreateReply,
  SockclntDelete,
  SockclntDeleteReply,
  ControlPing,
  ControlPingReply,
  MemclntKeepalive,
  MemclntKeepaliveReply,
  CliInband,
  CliInbandReply,
  ShowVersion,
  ShowVersionReply,
  LbConf,
  LbConfReply,
  LbConfGet,
  LbConfGetReply,
  LbAddDelVipV2,
  LbAddDelVipV2Reply,
  LbAddDelVip,
  LbAddDelVipReply,
  LbAddDelAsV2,
  LbAddDelAsV2Reply,
  LbAddDelAs,
  LbAddDelAsReply,
  LbAsSetWeight,
  LbAsSetWeightReply,
  LbVipDump,
  LbVipDetails,
  LbAsV2Dump,
  LbAsV2Details,
  LbAsDump,
  LbAsDetails,
  LbFlushVip,
  LbFlushVipReply,
];

/**
 * The `name_crc` keys magnetite cannot work without: the LB API 1.2.0
 * additions and their companions (§6.1). A VPP lacking any is refused at
 * connect time with `VPP_E_MISSING_MESSAGE`.
 */
export const REQUIRED_FOR_LB: readonly MessageDef<FieldList>[] = [
  ControlPing,
  ControlPingReply,
  CliInband,
  CliInbandReply,
  LbConf,
  LbConfReply,
  LbConfGet,
  LbConfGetReply,
  LbAddDelVipV2,
  LbAddDelVipV2Reply,
  LbAddDelAsV2,
  LbAddDelAsV2Reply,
  LbAsSetWeight,
  LbAsSetWeightReply,
  LbVipDump,
  LbVipDetails,
  LbAsV2Dump,
  LbAsV2Details,
];

/** LB encap enum values (§6.3, u32). */
export const ENCAP_WIRE = { gre4: 0, gre6: 1, l3dsr: 2, nat4: 3, nat6: 4 } as const;
/** AS flag: slot in use (0 ⇒ removed, awaiting GC). */
export const AS_FLAG_USED = 0x1;
