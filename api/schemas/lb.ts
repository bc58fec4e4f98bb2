/**
 * Schemas of the LB resources: frontends with pools and effective weights,
 * the dataplane's own VIP table, sync reports, weight overrides and the
 * event stream's records. Types are derived with `Static<>`.
 */
import { type Static, Type } from "@sinclair/typebox";

const BackendStateSchema = Type.Union(
  ["unknown", "up", "down", "paused", "disabled", "removed"].map((s) => Type.Literal(s)),
  { description: "backend state (maglev-vpp §3.1)" },
);

/** One pool member with its §4.2 outcome. */
export const LbMember = Type.Object(
  {
    name: Type.String(),
    address: Type.String(),
    state: BackendStateSchema,
    weight: Type.Integer({ minimum: 0, maximum: 100, description: "weight in force (override or config)" }),
    configured_weight: Type.Integer({ minimum: 0, maximum: 100 }),
    overridden: Type.Boolean({ description: "an operator override is in force (persisted)" }),
    effective_weight: Type.Integer({ minimum: 0, maximum: 100, description: "what the dataplane is told" }),
    flush: Type.Boolean({ description: "established flows to this backend are evicted" }),
  },
  { additionalProperties: false },
);

/** One pool. */
export const LbPool = Type.Object(
  { name: Type.String(), backends: Type.Array(LbMember) },
  { additionalProperties: false },
);

/** One frontend (VIP) with its state and pools. */
export const LbFrontend = Type.Object(
  {
    name: Type.String(),
    address: Type.String(),
    protocol: Type.Integer({ description: "6 tcp, 17 udp, 255 any" }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    src_ip_sticky: Type.Boolean(),
    flush_on_down: Type.Boolean(),
    state: Type.Union([Type.Literal("up"), Type.Literal("down"), Type.Literal("unknown")]),
    duration_ms: Type.Integer({ minimum: 0, description: "time in the current state" }),
    since: Type.String({ description: "ISO time the current state began" }),
    active_pool: Type.Union([Type.String(), Type.Null()], { description: "the serving pool, null if none" }),
    active_pool_index: Type.Integer({ minimum: 0 }),
    pools: Type.Array(LbPool),
  },
  { additionalProperties: false },
);
export type LbFrontend = Static<typeof LbFrontend>;

export const LbFrontendList = Type.Array(LbFrontend);

export const FrontendParams = Type.Object({ name: Type.String({ minLength: 1 }) });
export const WeightParams = Type.Object({
  name: Type.String({ minLength: 1 }),
  pool: Type.String({ minLength: 1 }),
  backend: Type.String({ minLength: 1 }),
});

/** Body of `PUT …/weight` (maglev-vpp §7 `SetFrontendPoolBackendWeight`, `flush = 5`). */
export const WeightBody = Type.Object(
  {
    weight: Type.Integer({ minimum: 0, maximum: 100 }),
    flush: Type.Boolean({ default: false, description: "also evict this backend's established flows" }),
  },
  { additionalProperties: false },
);

/** One application server as the dataplane holds it. */
export const LbAs = Type.Object(
  {
    address: Type.String(),
    weight: Type.Integer({ minimum: 0, maximum: 100 }),
    flushed: Type.Boolean({ description: "at weight 0 and its sticky entries already evicted" }),
  },
  { additionalProperties: false },
);

/** One VIP as the dataplane holds it. */
export const LbVip = Type.Object(
  {
    prefix: Type.String({ description: "address/length" }),
    protocol: Type.Integer(),
    port: Type.Integer(),
    encap: Type.String(),
    src_ip_sticky: Type.Boolean(),
    flow_table_length: Type.Integer(),
    frontend: Type.Union([Type.String(), Type.Null()], {
      description: "the configured frontend, null if foreign",
    }),
    ases: Type.Array(LbAs),
  },
  { additionalProperties: false },
);

export const LbVips = Type.Object(
  {
    dataplane: Type.Union([Type.Literal("memory"), Type.Literal("vpp")]),
    connected: Type.Boolean(),
    vips: Type.Array(LbVip),
  },
  { additionalProperties: false },
);
export type LbVips = Static<typeof LbVips>;

/** Outcome of `POST /lb/sync`. */
export const LbSyncReport = Type.Object(
  {
    ran: Type.Boolean(),
    suppressed: Type.Union(
      [
        Type.Literal("hold"),
        Type.Literal("warmup"),
        Type.Literal("not-ready"),
        Type.Literal("disconnected"),
        Type.Null(),
      ],
      { description: "why the sync was held back (warmup, no dataplane), null if it ran" },
    ),
    ops: Type.Integer({ minimum: 0 }),
    by_kind: Type.Record(Type.String(), Type.Integer()),
    duration_ms: Type.Number({ minimum: 0 }),
    error: Type.Union([
      Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: false }),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
);
export type LbSyncReport = Static<typeof LbSyncReport>;

/** One record of `GET /events` (`from === to`: the current state, replayed on connect). */
export const LbEvent = Type.Object(
  {
    type: Type.Union([Type.Literal("backend"), Type.Literal("frontend")]),
    name: Type.String(),
    from: Type.String(),
    to: Type.String(),
    at: Type.String(),
  },
  { additionalProperties: false },
);
export type LbEvent = Static<typeof LbEvent>;
