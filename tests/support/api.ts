/**
 * Builds the API with in-memory system sources for `inject` tests, so a
 * route test needs no daemon, socket or actor system.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { pino } from "pino";
import { type App, buildApp, DEFAULT_BODY_LIMIT } from "../../api/app.js";
import type { SystemSources } from "../../api/routes/system.js";
import type { ConfigStatus } from "../../api/schemas/system.js";

/** A quiet logger for tests. */
export const silentLogger = pino({ level: "silent" });

/** System sources with fixed, inspectable answers; override any member. */
export function fakeSystem(over: Partial<SystemSources> = {}): SystemSources {
  const status: ConfigStatus = {
    file: null,
    loaded_at: null,
    reloads_ok: 0,
    reloads_failed: 0,
    last_error: null,
  };
  return {
    version: "0.0.0-test",
    uptimeMs: () => 1234,
    readiness: () => ({ ready: true, subsystems: [{ name: "api", state: "running" }] }),
    actors: () => [],
    metrics: async () => ({ contentType: "text/plain; version=0.0.4", body: "# no metrics\n" }),
    configStatus: () => status,
    configReload: async () => status,
    ...over,
  };
}

/** Build an app for `inject`. */
export async function testApp(
  opts: { system?: Partial<SystemSources>; plugins?: FastifyPluginAsyncTypebox[]; bodyLimit?: number } = {},
): Promise<App> {
  const app = await buildApp({
    logger: silentLogger,
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    system: fakeSystem(opts.system),
    plugins: opts.plugins ?? [],
  });
  await app.ready();
  return app;
}
