/**
 * Schemas of the BFD resources. The base shapes are mgd's (ddm-bfd-maghemite.md §2.5):
 * `BfdPeerConfig` `{peer, listen, required_rx (µs), detection_threshold, mode}` and `BfdPeerInfo`
 * `{config, state}`, so existing mgd clients work. Everything richer is an extension: extra
 * optional request fields, and extra response keys (`options`, `status`, and in the per-peer
 * view `remote`, `counters`, `history`), never a change to mgd's keys.
 */
import { type Static, Type } from "@sinclair/typebox";

const Address = (description: string) =>
  Type.String({
    minLength: 2,
    maxLength: 64,
    description: `${description} (IPv4 or IPv6; %scope for link-local)`,
  });
const IntervalUs = (description: string) =>
  Type.Integer({ minimum: 1000, maximum: 4_294_967_295, description: `${description}, in microseconds` });

/** mgd's modes. */
export const BfdModeSchema = Type.Union([Type.Literal("SingleHop"), Type.Literal("MultiHop")], {
  description: "SingleHop: RFC 5881, UDP 3784, TTL 255 required; MultiHop: RFC 5883, UDP 4784",
});
/** RFC 5880 session states. */
export const BfdStateSchema = Type.Union([
  Type.Literal("AdminDown"),
  Type.Literal("Down"),
  Type.Literal("Init"),
  Type.Literal("Up"),
]);

/** mgd's `BfdPeerConfig`. */
export const BfdPeerConfig = Type.Object(
  {
    peer: Address("remote address"),
    listen: Address("local address to listen and send from; 0.0.0.0 or :: for any"),
    required_rx: IntervalUs("Required Min RX Interval (RFC 5880 §6.8.1)"),
    detection_threshold: Type.Integer({ minimum: 1, maximum: 255, description: "Detect Mult (never 0)" }),
    mode: BfdModeSchema,
  },
  { additionalProperties: false },
);
export type BfdPeerConfig = Static<typeof BfdPeerConfig>;

const AuthType = Type.Union([
  Type.Literal("simple"),
  Type.Literal("keyed-md5"),
  Type.Literal("meticulous-md5"),
  Type.Literal("keyed-sha1"),
  Type.Literal("meticulous-sha1"),
]);

/** `PUT /bfd/peers`: mgd's body plus optional extensions. */
export const AddPeerBody = Type.Object(
  {
    ...BfdPeerConfig.properties,
    desired_tx: Type.Optional(IntervalUs("Extension: Desired Min TX Interval (default: required_rx)")),
    passive: Type.Optional(Type.Boolean({ description: "Extension: passive role (RFC 5880 §6.1)" })),
    admin_down: Type.Optional(Type.Boolean({ description: "Extension: start AdminDown (RFC 5880 §6.8.16)" })),
    min_ttl: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 255,
        description: "Extension, MultiHop only: minimum received TTL (default 254)",
      }),
    ),
    auth: Type.Optional(
      Type.Object(
        {
          type: AuthType,
          key_id: Type.Integer({ minimum: 0, maximum: 255 }),
          secret: Type.String({ minLength: 1, maxLength: 20, description: "never returned by the API" }),
        },
        { additionalProperties: false, description: "Extension: authentication (RFC 5880 §6.7)" },
      ),
    ),
  },
  { additionalProperties: false },
);
export type AddPeerBody = Static<typeof AddPeerBody>;

/** `PATCH /bfd/peers/{addr}`: change timers, role or admin state live (interval changes run a Poll). */
export const PatchPeerBody = Type.Object(
  {
    required_rx: Type.Optional(IntervalUs("Required Min RX Interval")),
    desired_tx: Type.Optional(IntervalUs("Desired Min TX Interval")),
    detection_threshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 255 })),
    passive: Type.Optional(Type.Boolean()),
    admin_down: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchPeerBody = Static<typeof PatchPeerBody>;

/** `{addr}` path parameter. */
export const PeerParams = Type.Object({ addr: Address("peer address") }, { additionalProperties: false });

const PeerOptions = Type.Object(
  {
    desired_tx: Type.Integer({ description: "configured Desired Min TX Interval (µs)" }),
    passive: Type.Boolean(),
    admin_down: Type.Boolean(),
    min_ttl: Type.Integer({ description: "smallest received TTL accepted (255 for SingleHop)" }),
    auth: Type.Union([
      Type.Object({ type: AuthType, key_id: Type.Integer() }, { additionalProperties: false }),
      Type.Null(),
    ]),
    origin: Type.Union([Type.Literal("config"), Type.Literal("api")]),
  },
  {
    additionalProperties: false,
    description: "Extension: settings beyond mgd's (the secret is never shown)",
  },
);

const PeerStatus = Type.Object(
  {
    local_discriminator: Type.Integer(),
    remote_discriminator: Type.Integer(),
    local_diag: Type.Integer({ description: "RFC 5880 §4.1 diagnostic code" }),
    remote_state: BfdStateSchema,
    remote_diag: Type.Integer(),
    state_duration_ms: Type.Integer({ description: "time in the current state (monotonic)" }),
    tx_interval_us: Type.Integer({ description: "negotiated periodic TX interval before jitter (§6.8.7)" }),
    detection_time_us: Type.Union([Type.Integer(), Type.Null()], {
      description: "§6.8.4; null before the first packet",
    }),
    flaps: Type.Integer({ description: "Up → Down transitions" }),
  },
  { additionalProperties: false, description: "Extension: live status" },
);

/** One entry of `GET /bfd/peers`: mgd's `BfdPeerInfo` plus `options` and `status`. */
export const BfdPeerInfo = Type.Object(
  { config: BfdPeerConfig, state: BfdStateSchema, options: PeerOptions, status: PeerStatus },
  { additionalProperties: false },
);
export type BfdPeerInfo = Static<typeof BfdPeerInfo>;

/** `GET /bfd/peers/{addr}` (extension): everything, with counters and history. */
export const BfdPeerDetail = Type.Object(
  {
    ...BfdPeerInfo.properties,
    remote: Type.Object(
      {
        desired_min_tx_us: Type.Integer(),
        required_min_rx_us: Type.Integer(),
        detect_mult: Type.Integer(),
        demand: Type.Boolean(),
      },
      { additionalProperties: false, description: "the peer's last accepted parameters" },
    ),
    poll_in_progress: Type.Boolean(),
    source_port: Type.Union([Type.Integer(), Type.Null()]),
    counters: Type.Object(
      {
        control_packets_sent: Type.Integer(),
        control_packets_received: Type.Integer(),
        send_failures: Type.Integer(),
        transitions: Type.Integer(),
        flaps: Type.Integer(),
        polls_completed: Type.Integer(),
        drops: Type.Record(Type.String(), Type.Integer(), { description: "discarded packets by reason" }),
      },
      { additionalProperties: false },
    ),
    history: Type.Array(
      Type.Object(
        {
          at: Type.String({ description: "wall-clock time (RFC 3339)" }),
          ago_ms: Type.Integer({ description: "how long ago, on the monotonic clock" }),
          from: BfdStateSchema,
          to: BfdStateSchema,
          diag: Type.Integer(),
          reason: Type.String(),
        },
        { additionalProperties: false },
      ),
      { description: "the last transitions, oldest first" },
    ),
  },
  { additionalProperties: false },
);
export type BfdPeerDetail = Static<typeof BfdPeerDetail>;

/** `GET /bfd/peers`. */
export const BfdPeerList = Type.Array(BfdPeerInfo);
