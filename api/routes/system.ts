/**
 * The daemon's own routes: liveness, readiness, Prometheus metrics, the
 * supervision tree and config status/reload. Handlers hold no state; they ask
 * the sources injected by the composition root. Probes and scrapes log only
 * at warn, so a 15 s Prometheus scrape does not drown the log.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { errorResponses } from "../schemas/common.js";
import { ActorList, type ActorRow, Alive, ConfigStatus, Readiness } from "../schemas/system.js";

/** What the system routes need from the daemon. */
export interface SystemSources {
  readonly version: string;
  uptimeMs(): number;
  readiness(): Readiness;
  actors(): ActorRow[] | Promise<ActorRow[]>;
  metrics(): Promise<{ contentType: string; body: string }>;
  configStatus(): ConfigStatus;
  /** Re-read and apply the config file; resolves to the new status (a failure is recorded there). */
  configReload(): Promise<ConfigStatus>;
}

export const systemRoutes =
  (src: SystemSources): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      "/healthz",
      {
        logLevel: "warn",
        schema: { tags: ["system"], summary: "Liveness: the process answers", response: { 200: Alive } },
      },
      async () => ({
        status: "ok" as const,
        uptime_ms: Math.floor(src.uptimeMs()),
        version: src.version,
        pid: process.pid,
      }),
    );

    app.get(
      "/readyz",
      {
        logLevel: "warn",
        schema: {
          tags: ["system"],
          summary: "Readiness: 200 when every subsystem is running, 503 otherwise",
          response: { 200: Readiness, 503: Readiness },
        },
      },
      async (_req, reply) => {
        const r = src.readiness();
        return reply.status(r.ready ? 200 : 503).send(r);
      },
    );

    app.get(
      "/metrics",
      {
        logLevel: "warn",
        schema: {
          tags: ["system"],
          summary: "Prometheus metrics (text exposition format)",
          produces: ["text/plain"],
          response: { 200: Type.String() },
        },
      },
      async (_req, reply) => {
        const m = await src.metrics();
        return reply.type(m.contentType).send(m.body);
      },
    );

    app.get(
      "/actors",
      {
        schema: {
          tags: ["system"],
          summary: "The supervision tree, depth-first",
          response: { 200: ActorList, ...errorResponses },
        },
      },
      async () => src.actors(),
    );

    app.get(
      "/config/status",
      {
        schema: {
          tags: ["system"],
          summary: "The config in force and the outcome of reloads",
          response: { 200: ConfigStatus },
        },
      },
      async () => src.configStatus(),
    );

    app.post(
      "/config/reload",
      {
        schema: {
          tags: ["system"],
          summary: "Re-read the config file (as SIGHUP does); on error the old config stays in force",
          response: { 200: ConfigStatus, ...errorResponses },
        },
      },
      async () => src.configReload(),
    );
  };
