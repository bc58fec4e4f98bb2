/**
 * The LB resources and the LB subsystem's plug into the composition root:
 *
 * - `GET  /lb/frontends`          every frontend: state, time in state, active pool,
 *                                 pools with configured and effective weights;
 * - `GET  /lb/frontends/{name}`   one frontend;
 * - `GET  /lb/vips`               the dataplane's own view (VIPs, ASes, weights);
 * - `POST /lb/sync`               a full sync now (maglev-vpp §5.4; held during warmup);
 * - `PUT  /lb/frontends/{name}/pools/{pool}/backends/{backend}/weight`
 *                                 `{weight, flush}`: operator override, persisted,
 *                                 applied at once (bug §10.9), optional flush (§5.3).
 *
 * Handlers hold no state: they ask the LB service (every ask has a deadline).
 * `lbSubsystem` lives here because `actors/` may not import the config types
 * it converts (the health subsystem does the same).
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { OWNED_VIPS, WEIGHT_OVERRIDES } from "../../actors/lb/persistence.js";
import { LbService } from "../../actors/lb/service.js";
import {
  type ManualBackendStates,
  type StaticBackend,
  staticBackendStates,
} from "../../actors/lb/sources.js";
import type {
  BackendStates,
  FrontendSnapshot,
  LbPlan,
  SyncReport,
  WeightReply,
} from "../../actors/lb/types.js";
import { RuntimeError } from "../../actors/runtime/errors.js";
import { DomainError } from "../../protocols/common/domain-error.js";
import type { LbDataplane } from "../../dataplane/lb-dataplane.js";
import { MemoryLbDataplane } from "../../dataplane/memory/memory-lb-dataplane.js";
import { VppLbDataplane } from "../../dataplane/vpp/vpp-lb-dataplane.js";
import { ipFamily } from "../../protocols/lb/ip.js";
import { type LbState, vipKeyId } from "../../protocols/lb/types.js";
import type { Config } from "../config/schema.js";
import { lbSettings } from "../config/sections/dataplane.js";
import { frontendSpecs } from "../config/sections/frontends.js";
import type { SubsystemContext } from "../daemon/daemon.js";
import type { Subsystem } from "../daemon/subsystem.js";
import { ApiError, registerErrorCodes } from "../errors.js";
import { errorResponses } from "../schemas/common.js";
import { eventRoutes } from "./events.js";
import {
  FrontendParams,
  type LbFrontend,
  LbFrontend as LbFrontendSchema,
  LbFrontendList,
  LbSyncReport,
  LbVips,
  WeightBody,
  WeightParams,
} from "../schemas/lb.js";

/** HTTP statuses of the LB subsystem's codes (style guide rule 32). */
export const lbErrorCodes = {
  /** No frontend with that name in the config in force. */
  LB_E_FRONTEND_NOT_FOUND: 404,
  /** No such pool in the frontend, or no such backend in the pool. */
  LB_E_MEMBER_NOT_FOUND: 404,
  /** Weight outside 0..100 (the schema catches it first). */
  LB_E_BAD_WEIGHT: 400,
  /** The override could not be written to the state directory; nothing changed. */
  LB_E_PERSIST: 500,
  /** The dataplane is not connected. */
  LB_E_UNAVAILABLE: 503,
} as const satisfies Record<string, number>;

/** What the routes need; `LbService` provides it. */
export type LbSource = Pick<
  LbService,
  "list" | "get" | "setWeight" | "sync" | "vips" | "frontendOfVip" | "dataplane"
>;

/** A snapshot as the API shows it. */
export function toFrontend(s: FrontendSnapshot, nowMs = Date.now()): LbFrontend {
  return {
    name: s.name,
    address: s.address,
    protocol: s.protocol,
    port: s.port,
    src_ip_sticky: s.srcIpSticky,
    flush_on_down: s.flushOnDown,
    state: s.state,
    duration_ms: Math.floor(s.durationMs),
    since: new Date(nowMs - s.durationMs).toISOString(),
    active_pool: s.activePool ?? null,
    active_pool_index: s.activePoolIndex,
    pools: s.pools.map((p) => ({
      name: p.name,
      backends: p.backends.map((b) => ({
        name: b.name,
        address: b.address,
        state: b.state,
        weight: b.weight,
        configured_weight: b.configuredWeight,
        overridden: b.overridden,
        effective_weight: b.effectiveWeight,
        flush: b.flush,
      })),
    })),
  };
}

/** A sync report as the API shows it. */
export function toSyncReport(r: SyncReport): LbSyncReport {
  return {
    ran: r.ran,
    suppressed: r.suppressed ?? null,
    ops: r.ops,
    by_kind: { ...r.byKind },
    duration_ms: Math.round(r.durationMs * 1000) / 1000,
    error: r.error === undefined ? null : { code: r.error.code, message: r.error.message },
  };
}

/** The dataplane table as the API shows it. */
export function toVips(state: LbState, src: Pick<LbSource, "frontendOfVip" | "dataplane">): LbVips {
  return {
    dataplane: src.dataplane.kind,
    connected: src.dataplane.connected,
    vips: [...state.values()].map((v) => ({
      prefix: `${v.key.address}/${v.key.prefixLen}`,
      protocol: v.key.protocol,
      port: v.key.port,
      encap: v.encap,
      src_ip_sticky: v.srcIpSticky,
      flow_table_length: v.flowTableLength,
      frontend: src.frontendOfVip(vipKeyId(v.key)) ?? null,
      ases: [...v.ases.values()].map((a) => ({ address: a.address, weight: a.weight, flushed: a.flushed })),
    })),
  };
}

/** Map runtime failures (no answer in time, actor gone) to API codes. */
async function asked<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e: unknown) {
    if (e instanceof RuntimeError && e.code === "RT_E_ASK_TIMEOUT")
      throw new ApiError("API_E_TIMEOUT", "the LB actors did not answer in time");
    if (e instanceof RuntimeError) throw new ApiError("API_E_NOT_READY", "the LB subsystem is not running");
    throw e;
  }
}

/** The routes; `source()` is undefined until the subsystem has started (503). */
export const lbRoutes =
  (source: () => LbSource | undefined): FastifyPluginAsyncTypebox =>
  async (app) => {
    registerErrorCodes(lbErrorCodes);
    const src = (): LbSource => {
      const s = source();
      if (s === undefined) throw new ApiError("API_E_NOT_READY", "the LB subsystem is not running");
      return s;
    };

    app.get(
      "/lb/frontends",
      {
        schema: {
          tags: ["lb"],
          summary: "Every frontend with its state, time in state, active pool and effective weights",
          response: { 200: LbFrontendList, ...errorResponses },
        },
      },
      async () => {
        const rows = await asked(() => src().list());
        const now = Date.now();
        return rows.map((s) => toFrontend(s, now));
      },
    );

    app.get(
      "/lb/frontends/:name",
      {
        schema: {
          tags: ["lb"],
          summary: "One frontend",
          params: FrontendParams,
          response: { 200: LbFrontendSchema, ...errorResponses },
        },
      },
      async (req) => {
        const s = await asked(() => src().get(req.params.name));
        if (s === undefined)
          throw new DomainError("LB_E_FRONTEND_NOT_FOUND", `no frontend named ${req.params.name}`);
        return toFrontend(s);
      },
    );

    app.put(
      "/lb/frontends/:name/pools/:pool/backends/:backend/weight",
      {
        schema: {
          tags: ["lb"],
          summary: "Override a pool member's weight (persisted; applied at once), optionally flushing it",
          params: WeightParams,
          body: WeightBody,
          response: { 200: LbFrontendSchema, ...errorResponses },
        },
      },
      async (req) => {
        const { name, pool, backend } = req.params;
        const r: WeightReply = await asked(() =>
          src().setWeight(name, pool, backend, req.body.weight, req.body.flush),
        );
        if (!r.ok) throw new DomainError(r.code, r.message);
        return toFrontend(r.snapshot);
      },
    );

    app.get(
      "/lb/vips",
      {
        schema: {
          tags: ["lb"],
          summary: "The dataplane's own view: VIPs and their application servers with weights",
          response: { 200: LbVips, ...errorResponses },
        },
      },
      async () => {
        const s = src();
        const state = await s.vips();
        return toVips(state, s);
      },
    );

    app.post(
      "/lb/sync",
      {
        schema: {
          tags: ["lb"],
          summary: "Run a full sync now (drift repair); held back during the startup warmup",
          response: { 200: LbSyncReport, ...errorResponses },
        },
      },
      async () => toSyncReport(await asked(() => src().sync())),
    );
  };

/** Test seams of the LB subsystem. */
export interface LbSubsystemOptions {
  /**
   * Where backend states come from: the health subsystem's bus
   * (`healthBackendStates(service)`), resolved at start. Absent: the
   * states a backend has without a checker (static ⇒ up, disabled ⇒
   * disabled, checked ⇒ unknown), kept in step with reloads.
   */
  readonly states?: () => BackendStates | undefined;
  /** Build the dataplane (tests inject one); default from `dataplane.kind`. */
  readonly dataplane?: (config: Config) => LbDataplane;
  readonly askTimeoutMs?: number;
  readonly retry?: { readonly initialMs: number; readonly maxMs: number };
}

function staticOf(config: Config): StaticBackend[] {
  return Object.entries(config.backends).map(([name, b]) => ({
    name,
    hasHealthcheck: b.healthcheck !== undefined,
    enabled: b.enabled,
  }));
}

/** The reconciler's plan from a config. */
export function lbPlan(config: Config): LbPlan {
  return {
    frontends: frontendSpecs(config.frontends, config.backends),
    settings: lbSettings(config.dataplane),
  };
}

/** The dataplane a config asks for. */
export function dataplaneFor(config: Config): LbDataplane {
  return config.dataplane.kind === "vpp"
    ? new VppLbDataplane({ socketPath: config.dataplane.socket, clientName: "magnetite" })
    : new MemoryLbDataplane();
}

/** The LB reconciler subsystem for `api/daemon/subsystems.ts`. */
export function lbSubsystem(ctx: SubsystemContext, options: LbSubsystemOptions = {}): Subsystem {
  let service: LbService | undefined;
  let fallback: ManualBackendStates | undefined;
  let current: Config = ctx.config;
  const log = ctx.logger.child({ component: "lb" });
  return {
    name: "lb",
    routes: async (app) => {
      await app.register(lbRoutes(() => service));
      await app.register(eventRoutes(() => service?.hub));
    },
    async start() {
      // A damaged file is left for the operator (store design): refuse to start rather than
      // forget overrides or, worse, which VIPs are ours.
      const overrides = await ctx.store.openCollection(WEIGHT_OVERRIDES);
      if (!overrides.ok) throw overrides.error;
      const owned = await ctx.store.openCollection(OWNED_VIPS);
      if (!owned.ok) throw owned.error;
      let states = options.states?.();
      if (states === undefined) {
        fallback = staticBackendStates(staticOf(current));
        states = fallback;
        log.warn("no health subsystem wired to the LB: backends with a health check stay unknown");
      }
      const dataplane = (options.dataplane ?? dataplaneFor)(current);
      const plan = lbPlan(current);
      warnMissingSource(current, plan, log);
      const s = new LbService({
        actors: ctx.actors,
        dataplane,
        states,
        overrides: overrides.value,
        owned: owned.value,
        logger: ctx.logger,
        ...(options.askTimeoutMs === undefined ? {} : { askTimeoutMs: options.askTimeoutMs }),
        ...(options.retry === undefined ? {} : { retry: options.retry }),
      });
      await s.start(plan);
      service = s;
    },
    async stop() {
      const s = service;
      service = undefined;
      await s?.stop();
    },
    async applyConfig(next, diff) {
      if (service === undefined) throw new Error("lb subsystem is not running");
      const d = current.dataplane;
      if (next.dataplane.kind !== d.kind || next.dataplane.socket !== d.socket)
        log.warn("dataplane kind/socket changed: takes effect at the next restart");
      if (fallback !== undefined && diff.backends.changed) {
        for (const name of diff.backends.objects?.removed ?? []) fallback.set(name, "removed");
        for (const b of staticOf(next)) {
          const want = !b.enabled ? "disabled" : b.hasHealthcheck ? "unknown" : "up";
          if (fallback.get(b.name) !== want) fallback.set(b.name, want);
        }
      }
      const plan = lbPlan(next);
      warnMissingSource(next, plan, log);
      await service.apply(plan);
      current = next;
    },
  };
}

/** §2.3: GRE needs an outer source; VPP's default 0.0.0.0 / :: makes unroutable packets. */
function warnMissingSource(config: Config, plan: LbPlan, log: SubsystemContext["logger"]): void {
  if (config.dataplane.kind !== "vpp") return;
  const families = new Set(
    plan.frontends.flatMap((f) => f.pools.flatMap((p) => p.members.map((m) => ipFamily(m.address)))),
  );
  if (families.has(4) && config.dataplane["ipv4-src-address"] === undefined)
    log.warn("IPv4 backends but no dataplane.ipv4-src-address: GRE4 would leave with source 0.0.0.0");
  if (families.has(6) && config.dataplane["ipv6-src-address"] === undefined)
    log.warn("IPv6 backends but no dataplane.ipv6-src-address: GRE6 would leave with source ::");
}
