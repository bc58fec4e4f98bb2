/**
 * A small REST client over the global `fetch` (Node 20): every request has a
 * deadline (`AbortSignal.timeout`), sends the `api-version` header (the
 * version we were built against, so a newer CLI gets a clear 400 from an
 * older daemon instead of a misread body), and turns every failure into one
 * line and an exit code:
 *   unreachable / timed out → 3; HTTP error → 1 (2 for config errors).
 */
import { formatApiVersion, LATEST_API_VERSION } from "../api-version.js";
import { DEFAULT_API_PORT } from "../config/sections/api.js";
import { err, ok, type Result } from "../../protocols/common/result.js";
import { ExitCode, UsageError } from "./command.js";

/** The base URL when neither `--api` nor `MAGNETITE_API` is given. */
export const DEFAULT_API_URL = `http://127.0.0.1:${DEFAULT_API_PORT}`;

/** A failed request, ready to print. */
export interface ApiFailure {
  readonly exitCode: ExitCode;
  readonly message: string;
  /** HTTP status and error code when the server answered. */
  readonly status?: number;
  readonly code?: string;
}

/** A successful response. */
export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

/** Pick the base URL: flag, then environment, then the default. Throws `UsageError` when malformed. */
export function resolveBaseUrl(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): URL {
  const text = flag ?? env["MAGNETITE_API"] ?? DEFAULT_API_URL;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--api: "${text}" is not a URL (e.g. http://127.0.0.1:${DEFAULT_API_PORT})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--api: only http and https URLs are supported, not ${url.protocol}`);
  }
  return url;
}

function causeCode(e: unknown): string | undefined {
  const cause = e instanceof Error ? (e as Error & { cause?: unknown }).cause : undefined;
  if (typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string") {
    return cause.code;
  }
  return undefined;
}

function oneLine(s: string, max = 300): string {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Talks to one daemon. */
export class ApiClient {
  constructor(
    readonly baseUrl: URL,
    readonly timeoutMs: number,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  /**
   * Send a request. Statuses in `accept` (default: 2xx) are successes with
   * their parsed JSON body (or text); anything else is an `ApiFailure`.
   */
  async request(
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    options: { body?: unknown; accept?: readonly number[] } = {},
  ): Promise<Result<ApiResponse, ApiFailure>> {
    const url = new URL(
      path.replace(/^\//, ""),
      this.baseUrl.href.endsWith("/") ? this.baseUrl : `${this.baseUrl.href}/`,
    );
    const what = `${method} ${url.pathname}`;
    const headers: Record<string, string> = {
      accept: "application/json",
      "api-version": formatApiVersion(LATEST_API_VERSION),
    };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    let status: number;
    let text: string;
    try {
      const res = await this.fetchFn(url, {
        method,
        headers,
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
      status = res.status;
      text = await res.text();
    } catch (e: unknown) {
      if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError")) {
        return err({
          exitCode: ExitCode.UNREACHABLE,
          message: `${what}: no answer from ${this.baseUrl.origin} within ${this.timeoutMs} ms`,
        });
      }
      const code = causeCode(e) ?? (e instanceof Error ? e.message : String(e));
      return err({
        exitCode: ExitCode.UNREACHABLE,
        message: `cannot reach the magnetite API at ${this.baseUrl.origin} (${code}); is the daemon running? (set --api or MAGNETITE_API)`,
      });
    }
    let body: unknown = text;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      // Not JSON (e.g. /metrics, or a proxy's HTML error page): keep the text.
    }
    const accepted = options.accept ?? [];
    if ((status >= 200 && status < 300) || accepted.includes(status)) return ok({ status, body });
    return err(httpFailure(what, status, body));
  }
}

function httpFailure(what: string, status: number, body: unknown): ApiFailure {
  // Our error body is {statusCode, code, message, field?} (api/schemas/common.ts).
  if (typeof body === "object" && body !== null && "message" in body && typeof body.message === "string") {
    const code = "code" in body && typeof body.code === "string" ? body.code : undefined;
    const field = "field" in body && typeof body.field === "string" ? ` (${body.field})` : "";
    const exitCode = code?.startsWith("CFG_E_") === true ? ExitCode.USAGE : ExitCode.FAILURE;
    const head = code === undefined ? `${status}` : `${status} ${code}`;
    return {
      exitCode,
      status,
      ...(code === undefined ? {} : { code }),
      message: `${what}: ${head}: ${oneLine(body.message)}${field}`,
    };
  }
  const detail = typeof body === "string" && body !== "" ? `: ${oneLine(body, 120)}` : "";
  return { exitCode: ExitCode.FAILURE, status, message: `${what}: HTTP ${status}${detail}` };
}
