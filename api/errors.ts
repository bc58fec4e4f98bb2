/**
 * The registry of API-visible error codes and their HTTP status. One table,
 * so docs and tests can check that every code is mapped (style guide rule 32).
 * Subsystems register their codes at start-up with `registerErrorCodes`.
 */
import { DomainError } from "../protocols/common/domain-error.js";

/** Error codes owned by the API layer itself. */
export const apiErrorCodes = {
  /** A request body, parameter, query or header failed its schema. */
  API_E_VALIDATION: 400,
  /** The `api-version` header could not be parsed or names a newer version than ours. */
  API_E_VERSION: 400,
  /** The request body exceeded the configured limit. */
  API_E_BODY_TOO_LARGE: 413,
  /** No such route or resource. */
  API_E_NOT_FOUND: 404,
  /** A subsystem is not running (yet, or any more). */
  API_E_NOT_READY: 503,
  /** The owning actor did not answer within the request deadline. */
  API_E_TIMEOUT: 503,
  /** A bug: an exception no layer expected. */
  API_E_INTERNAL: 500,
  /** The config file failed to parse or validate; the daemon keeps the old one. */
  CFG_E_INVALID: 400,
  /** The config file is not valid YAML. */
  CFG_E_YAML: 400,
  /** The config file could not be read. */
  CFG_E_READ: 400,
} as const satisfies Record<string, number>;

const registry = new Map<string, number>(Object.entries(apiErrorCodes));

/** Add a subsystem's codes (e.g. `{ BFD_E_PEER_EXISTS: 409 }`). A code may not change status. */
export function registerErrorCodes(codes: Readonly<Record<string, number>>): void {
  for (const [code, status] of Object.entries(codes)) {
    const had = registry.get(code);
    if (had !== undefined && had !== status) {
      throw new Error(`error code ${code} registered twice with ${had} and ${status}`);
    }
    registry.set(code, status);
  }
}

/** The HTTP status for a code; unknown codes are 500 (a bug: every code must be registered). */
export function statusForCode(code: string): number {
  return registry.get(code) ?? 500;
}

/** Every registered code with its status, for documentation and tests. */
export function allErrorCodes(): ReadonlyMap<string, number> {
  return registry;
}

/** An error the API raises itself, with a registered code. */
export class ApiError extends DomainError {
  override readonly name = "ApiError";
}
