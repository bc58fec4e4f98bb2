/**
 * Builds the fastify application apart from `listen` (style guide rule 24),
 * so tests drive it with `inject` and only the daemon binds a socket.
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from "fastify";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { formatApiVersion, installApiVersion, LATEST_API_VERSION } from "./api-version.js";
import { installErrorHandler } from "./error-handler.js";
import { type SystemSources, systemRoutes } from "./routes/system.js";
import { ErrorBody } from "./schemas/common.js";

/** The app type: default HTTP server, our logger, TypeBox-typed routes. */
export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** Everything the app needs, injected by the composition root. */
export interface AppDeps {
  readonly logger: Logger;
  /** Largest accepted request body in bytes. */
  readonly bodyLimit: number;
  readonly system: SystemSources;
  /** One plugin per subsystem resource, registered after the system routes. */
  readonly plugins?: readonly FastifyPluginAsyncTypebox[];
}

/** Default request body limit: 1 MiB (DDM exchange pushes need at least that). */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Build the app; call `ready()` or `listen()` on the result. */
export async function buildApp(deps: AppDeps): Promise<App> {
  const logger: FastifyBaseLogger = deps.logger;
  const app: App = Fastify({
    loggerInstance: logger,
    bodyLimit: deps.bodyLimit,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  installErrorHandler(app);
  installApiVersion(app);
  app.addSchema(ErrorBody);

  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "magnetite",
        description:
          "Control-plane daemon: BFD sessions, DDM routing, backend health checks and VIP reconciling. " +
          "Send `api-version: MAJOR.MINOR.PATCH` to pin a version; absent means the latest.",
        version: formatApiVersion(LATEST_API_VERSION),
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  await app.register(systemRoutes(deps.system));
  for (const plugin of deps.plugins ?? []) await app.register(plugin);

  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  return app;
}
