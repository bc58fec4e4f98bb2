/** Schemas of the daemon's own resources: health, readiness, actors, config status. */
import { type Static, Type } from "@sinclair/typebox";

/** Lifecycle state of one subsystem as the composition root sees it. */
export const SubsystemState = Type.Union([
  Type.Literal("starting"),
  Type.Literal("running"),
  Type.Literal("stopping"),
  Type.Literal("stopped"),
  Type.Literal("failed"),
]);

export const Readiness = Type.Object(
  {
    ready: Type.Boolean({ description: "true when every subsystem is running" }),
    subsystems: Type.Array(
      Type.Object({ name: Type.String(), state: SubsystemState }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);
export type Readiness = Static<typeof Readiness>;

export const Alive = Type.Object(
  {
    status: Type.Literal("ok"),
    uptime_ms: Type.Integer({ description: "monotonic milliseconds since the daemon started" }),
    version: Type.String(),
    pid: Type.Integer(),
  },
  { additionalProperties: false },
);
export type Alive = Static<typeof Alive>;

/** One actor in the supervision tree, flattened depth-first; `parent` is the supervisor's path. */
export const ActorRow = Type.Object(
  {
    path: Type.String(),
    parent: Type.Union([Type.String(), Type.Null()]),
    depth: Type.Integer({ minimum: 0 }),
    kind: Type.String(),
    status: Type.String({ description: "running, restarting or stopped" }),
    restarts: Type.Integer({ minimum: 0 }),
    mailbox_depth: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type ActorRow = Static<typeof ActorRow>;
export const ActorList = Type.Array(ActorRow);

export const ConfigStatus = Type.Object(
  {
    file: Type.Union([Type.String(), Type.Null()], { description: "the config file in force" }),
    loaded_at: Type.Union([
      Type.String({ description: "ISO time of the last successful load" }),
      Type.Null(),
    ]),
    reloads_ok: Type.Integer({ minimum: 0 }),
    reloads_failed: Type.Integer({ minimum: 0 }),
    last_error: Type.Union([
      Type.Null(),
      Type.Object(
        {
          at: Type.String(),
          code: Type.String(),
          message: Type.String(),
          issues: Type.Array(Type.String()),
        },
        { additionalProperties: false },
      ),
    ]),
  },
  { additionalProperties: false },
);
export type ConfigStatus = Static<typeof ConfigStatus>;
