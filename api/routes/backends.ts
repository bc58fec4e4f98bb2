/**
 * The backend health resource and the health subsystem's plug into the
 * composition root:
 *
 * - `GET  /lb/backends`                 every backend (a fan-out query to the actors);
 * - `GET  /lb/backends/{name}`          one backend with its transition history;
 * - `POST /lb/backends/{name}/{action}` pause | resume | disable | enable (§3.5),
 *                                       persisted before it takes effect.
 *
 * Handlers hold no state: they ask the health service (every ask has a
 * deadline) and map snapshots to the schema, turning the actors' monotonic
 * ages into wall-clock ISO times at the edge. `healthSubsystem` lives here
 * because `actors/` may not import the config types it converts.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { BACKEND_ADMIN } from "../../actors/health/admin-store.js";
import { HealthService } from "../../actors/health/service.js";
import type { AdminAction, BackendSnapshot, OperatorReply } from "../../actors/health/types.js";
import { RuntimeError } from "../../actors/runtime/errors.js";
import { type ClosablePinger, createIcmpPinger, type Pinger } from "../../dataplane/probes/index.js";
import { DomainError } from "../../protocols/common/domain-error.js";
import type { Config } from "../config/schema.js";
import { backendSpecs, planHealthReload } from "../config/sections/backends.js";
import type { SubsystemContext } from "../daemon/daemon.js";
import type { Subsystem } from "../daemon/subsystem.js";
import { ApiError, registerErrorCodes } from "../errors.js";
import {
  type BackendDetail,
  BackendActionParams,
  BackendDetail as BackendDetailSchema,
  BackendList,
  BackendParams,
  type BackendRow,
} from "../schemas/backends.js";
import { errorResponses } from "../schemas/common.js";

/** HTTP statuses of the health subsystem's codes (style guide rule 32). */
export const healthErrorCodes = {
  /** No backend with that name in the config in force. */
  HC_E_BACKEND_NOT_FOUND: 404,
  /** Pause/resume of a disabled backend (§3.5). */
  HC_E_BACKEND_DISABLED: 409,
  /** An action on a backend being removed by a reload. */
  HC_E_BACKEND_REMOVED: 409,
  /** The action could not be written to the state directory; nothing changed. */
  HC_E_PERSIST: 500,
} as const satisfies Record<string, number>;

/** What the routes need; `HealthService` provides it. */
export interface BackendsSource {
  list(): Promise<BackendSnapshot[]>;
  get(name: string): Promise<BackendSnapshot | undefined>;
  operate(name: string, action: AdminAction): Promise<OperatorReply>;
}

const iso = (agoMs: number, nowMs: number): string => new Date(nowMs - agoMs).toISOString();

/** A snapshot as a list row. */
export function toRow(s: BackendSnapshot, nowMs = Date.now()): BackendRow {
  const r = s.lastResult;
  return {
    name: s.name,
    address: s.address,
    healthcheck: s.healthcheck ?? null,
    type: s.type ?? null,
    state: s.state,
    enabled: s.enabled,
    counter: s.counter,
    rise: s.rise,
    fall: s.fall,
    duration_ms: Math.floor(s.durationMs),
    since: iso(s.durationMs, nowMs),
    last_result:
      r === undefined
        ? null
        : { ok: r.ok, code: r.code, detail: r.detail, latency_ms: r.latencyMs, at: iso(r.agoMs, nowMs) },
  };
}

/** A snapshot with its history. */
export function toDetail(s: BackendSnapshot, nowMs = Date.now()): BackendDetail {
  return {
    ...toRow(s, nowMs),
    history: s.history.map((h) => ({
      from: h.from,
      to: h.to,
      at: iso(h.agoMs, nowMs),
      code: h.code,
      detail: h.detail,
      counter: h.counter,
    })),
  };
}

/** Map runtime failures (no answer in time, actor gone) to API codes. */
async function asked<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e: unknown) {
    if (e instanceof RuntimeError && e.code === "RT_E_ASK_TIMEOUT") {
      throw new ApiError("API_E_TIMEOUT", "the health actors did not answer in time");
    }
    if (e instanceof RuntimeError)
      throw new ApiError("API_E_NOT_READY", "the health subsystem is not running");
    throw e;
  }
}

/** The routes; `source()` is undefined until the subsystem has started (503). */
export const backendRoutes =
  (source: () => BackendsSource | undefined): FastifyPluginAsyncTypebox =>
  async (app) => {
    registerErrorCodes(healthErrorCodes);
    const src = (): BackendsSource => {
      const s = source();
      if (s === undefined) throw new ApiError("API_E_NOT_READY", "the health subsystem is not running");
      return s;
    };
    const notFound = (name: string) => new DomainError("HC_E_BACKEND_NOT_FOUND", `no backend named ${name}`);

    app.get(
      "/lb/backends",
      {
        schema: {
          tags: ["health"],
          summary: "Every backend with its health state, time in state and counter",
          response: { 200: BackendList, ...errorResponses },
        },
      },
      async () => {
        const rows = await asked(() => src().list());
        const now = Date.now();
        return rows.map((s) => toRow(s, now));
      },
    );

    app.get(
      "/lb/backends/:name",
      {
        schema: {
          tags: ["health"],
          summary: "One backend: state, duration, counter, last probe result and transition history",
          params: BackendParams,
          response: { 200: BackendDetailSchema, ...errorResponses },
        },
      },
      async (req) => {
        const s = await asked(() => src().get(req.params.name));
        if (s === undefined) throw notFound(req.params.name);
        return toDetail(s);
      },
    );

    app.post(
      "/lb/backends/:name/:action",
      {
        schema: {
          tags: ["health"],
          summary: "Pause, resume, disable or enable a backend (persisted across restarts)",
          params: BackendActionParams,
          response: { 200: BackendDetailSchema, ...errorResponses },
        },
      },
      async (req) => {
        const r = await asked(() => src().operate(req.params.name, req.params.action));
        if (!r.ok) throw new DomainError(r.code, r.message, { backend: req.params.name });
        return toDetail(r.snapshot);
      },
    );
  };

/** Test seams of the health subsystem. */
export interface HealthSubsystemOptions {
  /** ICMP echo; default `createIcmpPinger()` over dgram-extended. */
  readonly pinger?: Pinger;
  /** Deadline of asks to the health actors; default 2000 ms. */
  readonly askTimeoutMs?: number;
}

/** The health subsystem, plus its running service for the subsystems that consume backend states. */
export interface HealthSubsystem extends Subsystem {
  /** The running service (undefined before start and after stop). */
  service(): HealthService | undefined;
}

/** The health-checking subsystem for `api/daemon/subsystems.ts`. */
export function healthSubsystem(
  ctx: SubsystemContext,
  options: HealthSubsystemOptions = {},
): HealthSubsystem {
  let service: HealthService | undefined;
  let owned: ClosablePinger | undefined;
  let current: Config = ctx.config;
  return {
    name: "health",
    service: () => service,
    routes: backendRoutes(() => service),
    async start() {
      const admin = await ctx.store.openCollection(BACKEND_ADMIN);
      // A damaged file is left for the operator (store design); starting without it would
      // silently resume paused backends, so refuse to start instead.
      if (!admin.ok) throw admin.error;
      let pinger = options.pinger;
      if (pinger === undefined) {
        owned = createIcmpPinger();
        pinger = owned;
      }
      const s = new HealthService({
        actors: ctx.actors,
        admin: admin.value,
        logger: ctx.logger,
        probeDeps: { pinger },
        ...(options.askTimeoutMs === undefined ? {} : { askTimeoutMs: options.askTimeoutMs }),
      });
      s.start(backendSpecs(current));
      service = s;
    },
    async stop() {
      const s = service;
      service = undefined;
      await s?.stop();
      owned?.close();
    },
    async applyConfig(next, diff) {
      if (service === undefined) throw new Error("health subsystem is not running");
      const report = await service.apply(planHealthReload(current, next, diff));
      current = next;
      if (report.failed.length > 0) {
        throw new Error(
          `backends not reloaded: ${report.failed.map((f) => `${f.name} (${f.message})`).join(", ")}`,
        );
      }
    },
  };
}
