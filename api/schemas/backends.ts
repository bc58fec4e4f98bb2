/**
 * Schemas of the backend health resource (`/lb/backends`). Field names are
 * snake_case like the rest of the API; durations are milliseconds and
 * instants ISO-8601 wall time (mapped from the actors' monotonic ages).
 */
import { type Static, Type } from "@sinclair/typebox";

/** Backend states (maglev-vpp.md §3.1). */
export const BackendState = Type.Union(
  [
    Type.Literal("unknown"),
    Type.Literal("up"),
    Type.Literal("down"),
    Type.Literal("paused"),
    Type.Literal("disabled"),
    Type.Literal("removed"),
  ],
  { description: "unknown, up, down (probed); paused, disabled, removed (not probed)" },
);

/** Operator actions (§3.5). */
export const BackendAction = Type.Union(
  [Type.Literal("pause"), Type.Literal("resume"), Type.Literal("disable"), Type.Literal("enable")],
  { description: "pause/resume probing, or disable/enable the backend; persisted across restarts" },
);
export type BackendAction = Static<typeof BackendAction>;

export const BackendParams = Type.Object(
  { name: Type.String({ minLength: 1, description: "backend name as configured" }) },
  { additionalProperties: false },
);
export const BackendActionParams = Type.Object(
  { name: Type.String({ minLength: 1 }), action: BackendAction },
  { additionalProperties: false },
);

/** The last probe result. */
export const ProbeOutcome = Type.Object(
  {
    ok: Type.Boolean(),
    code: Type.String({ description: "ok, timeout, refused, reset, bad-status, …" }),
    detail: Type.String(),
    latency_ms: Type.Number({ minimum: 0 }),
    at: Type.String({ description: "ISO time the result was recorded" }),
  },
  { additionalProperties: false },
);

/** One transition (§3.4). */
export const BackendTransition = Type.Object(
  {
    from: BackendState,
    to: BackendState,
    at: Type.String({ description: "ISO time of the transition" }),
    code: Type.String({ description: "probe code, or the operator action" }),
    detail: Type.String(),
    counter: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

const rowFields = {
  name: Type.String(),
  address: Type.String(),
  healthcheck: Type.Union([Type.String(), Type.Null()], { description: "null for a static backend" }),
  type: Type.Union([Type.String(), Type.Null()], { description: "probe type: icmp, tcp, http, https" }),
  state: BackendState,
  enabled: Type.Boolean(),
  counter: Type.Integer({ minimum: 0, description: "rise/fall counter; up iff counter >= rise" }),
  rise: Type.Integer({ minimum: 1 }),
  fall: Type.Integer({ minimum: 1 }),
  duration_ms: Type.Integer({ minimum: 0, description: "time in the current state" }),
  since: Type.String({ description: "ISO time the current state was entered" }),
  last_result: Type.Union([ProbeOutcome, Type.Null()]),
};

/** One row of `GET /lb/backends`. */
export const BackendRow = Type.Object(rowFields, { additionalProperties: false });
export type BackendRow = Static<typeof BackendRow>;

export const BackendList = Type.Array(BackendRow);
export type BackendList = Static<typeof BackendList>;

/** `GET /lb/backends/{name}` and the answer to an action: a row plus its transition history. */
export const BackendDetail = Type.Object(
  { ...rowFields, history: Type.Array(BackendTransition, { description: "oldest first" }) },
  { additionalProperties: false },
);
export type BackendDetail = Static<typeof BackendDetail>;
