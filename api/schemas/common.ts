/**
 * Shared TypeBox primitives and the error body every route returns on
 * failure. Types are derived with `Static<>`, never written twice.
 */
import { type Static, Type } from "@sinclair/typebox";

/** The body of every error response (mapped by `api/error-handler.ts`). */
export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer({ description: "HTTP status, repeated for clients that lose it" }),
    code: Type.String({ description: "Stable error code, e.g. API_E_VALIDATION, BFD_E_PEER_EXISTS" }),
    message: Type.String(),
    field: Type.Optional(Type.String({ description: "Path of the failing field, for validation errors" })),
  },
  { $id: "ErrorBody", additionalProperties: false },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** Error responses shared by every route, keyed by status code. */
export const errorResponses = {
  400: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  500: ErrorBody,
  503: ErrorBody,
} as const;
