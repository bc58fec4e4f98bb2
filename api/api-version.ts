/**
 * The `api-version` request header, as maghemite's admin APIs (dropshot
 * versioned APIs) use it: absent means the latest version we serve; a value
 * that is not a semantic version, or that is newer than ours, is a 400 with a
 * clear message. Routes read the negotiated version from `request.apiVersion`
 * (e.g. DDM's `GET /peers` answers v1 status strings to `1.0.0`).
 */
import type { FastifyRequest } from "fastify";
import type { App } from "./app.js";
import { ApiError } from "./errors.js";

/** A parsed `MAJOR.MINOR.PATCH`. */
export type ApiVersion = readonly [major: number, minor: number, patch: number];

/** The newest API version this daemon serves (ddm-admin 2.0.0 compatible). */
export const LATEST_API_VERSION: ApiVersion = [2, 0, 0];

declare module "fastify" {
  interface FastifyRequest {
    /** The version the client asked for, or the latest when it sent none. */
    apiVersion: ApiVersion;
  }
}

const SEMVER = /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$/;

/** Parse a header value; `undefined` when it is not `MAJOR.MINOR.PATCH`. */
export function parseApiVersion(text: string): ApiVersion | undefined {
  const m = SEMVER.exec(text.trim());
  if (m === null) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** Negative, zero or positive as `a` is older than, equal to or newer than `b`. */
export function compareApiVersions(a: ApiVersion, b: ApiVersion): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Format for messages and headers. */
export function formatApiVersion(v: ApiVersion): string {
  return v.join(".");
}

/** Resolve the header to a version or throw `API_E_VERSION`. */
export function negotiateApiVersion(header: string | string[] | undefined): ApiVersion {
  if (header === undefined) return LATEST_API_VERSION;
  const text = Array.isArray(header) ? (header.length === 1 ? header[0] : undefined) : header;
  const v = text === undefined ? undefined : parseApiVersion(text);
  if (v === undefined) {
    throw new ApiError(
      "API_E_VERSION",
      `api-version header must be MAJOR.MINOR.PATCH, got ${JSON.stringify(header)}`,
      {
        field: "headers.api-version",
      },
    );
  }
  if (compareApiVersions(v, LATEST_API_VERSION) > 0) {
    throw new ApiError(
      "API_E_VERSION",
      `api-version ${formatApiVersion(v)} is newer than the newest this server speaks (${formatApiVersion(LATEST_API_VERSION)})`,
      { field: "headers.api-version" },
    );
  }
  return v;
}

/** Install the hook that sets `request.apiVersion` on every request. */
export function installApiVersion(app: App): void {
  // fastify forbids reference-type defaults; the hook below always sets it.
  app.decorateRequest("apiVersion", null as unknown as ApiVersion);
  app.addHook("onRequest", async (request: FastifyRequest) => {
    request.apiVersion = negotiateApiVersion(request.headers["api-version"]);
  });
}
