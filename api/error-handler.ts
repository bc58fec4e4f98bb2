/**
 * The one error handler (style guide rule 27): schema validation errors
 * become 400 naming the failing field, DomainErrors their registered status,
 * anything else a generic 500. Expected errors log at warn, bugs at error.
 * Every error body has the `ErrorBody` shape.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { App } from "./app.js";
import { DomainError } from "../protocols/common/domain-error.js";
import type { ErrorBody } from "./schemas/common.js";
import { statusForCode } from "./errors.js";

type ValidationItem = { instancePath?: string; params?: Record<string, unknown>; message?: string };

function isFastifyError(e: unknown): e is FastifyError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === "string";
}

/** `body.peer` style path from an Ajv error and the request part it concerned. */
function fieldPath(context: string | undefined, item: ValidationItem): string {
  const base = (item.instancePath ?? "").replace(/^\//, "").replace(/\//g, ".");
  const missing = item.params?.["missingProperty"];
  const extra = item.params?.["additionalProperty"];
  const leaf = typeof missing === "string" ? missing : typeof extra === "string" ? extra : "";
  const parts = [context ?? "body", base, leaf].filter((p) => p !== "");
  return parts.join(".");
}

function send(reply: FastifyReply, body: ErrorBody): FastifyReply {
  return reply.status(body.statusCode).type("application/json").send(body);
}

/** Install the handler and a JSON 404 for unknown routes. */
export function installErrorHandler(app: App): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    if (isFastifyError(error) && Array.isArray(error.validation) && error.validation.length > 0) {
      const first = error.validation[0] as ValidationItem;
      const field = fieldPath(error.validationContext, first);
      request.log.warn({ field, err: error.message }, "request rejected by schema");
      return send(reply, {
        statusCode: 400,
        code: "API_E_VALIDATION",
        message: `${field}: ${first.message ?? "invalid"}`,
        field,
      });
    }
    if (error instanceof DomainError) {
      const statusCode = statusForCode(error.code);
      const field = error.details["field"];
      if (statusCode >= 500) request.log.error({ err: error.toJSON() }, "request failed");
      else request.log.warn({ err: error.toJSON() }, "request refused");
      return send(reply, {
        statusCode,
        code: error.code,
        message: error.message,
        ...(typeof field === "string" ? { field } : {}),
      });
    }
    if (isFastifyError(error) && typeof error.statusCode === "number" && error.statusCode < 500) {
      // fastify's own client errors: body too large, bad JSON, bad content type.
      const code = error.code === "FST_ERR_CTP_BODY_TOO_LARGE" ? "API_E_BODY_TOO_LARGE" : "API_E_VALIDATION";
      request.log.warn({ err: error.message, fastifyCode: error.code }, "request rejected");
      return send(reply, { statusCode: error.statusCode, code, message: error.message });
    }
    request.log.error({ err: error }, "unexpected error");
    return send(reply, { statusCode: 500, code: "API_E_INTERNAL", message: "internal error" });
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    send(reply, {
      statusCode: 404,
      code: "API_E_NOT_FOUND",
      message: `no route ${request.method} ${request.url.split("?")[0] ?? ""}`,
    }),
  );
}
