/**
 * Error shapes. System errors come from the addon already shaped like
 * Node's (`code` such as `EADDRINUSE`, negative `errno`, `syscall`, and
 * `address`/`port` where one applies); errors raised in TypeScript use the
 * same fields with `ERR_…` codes, as Node's own do.
 */

/** A Node-style error: what every method of this package throws or emits. */
export interface SystemError extends Error {
  readonly code: string;
  readonly errno?: number;
  readonly syscall?: string;
  readonly address?: string;
  readonly port?: number;
}

/** True when `e` is an Error carrying a string `code`. */
export function isSystemError(e: unknown): e is SystemError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === "string";
}

/** Builds a coded error. */
export function codedError(
  code: string,
  message: string,
  extra: { syscall?: string; address?: string; port?: number; cause?: unknown } = {},
): SystemError {
  const e = new Error(message, extra.cause === undefined ? undefined : { cause: extra.cause }) as Error & {
    code: string;
    syscall?: string;
    address?: string;
    port?: number;
  };
  e.code = code;
  if (extra.syscall !== undefined) e.syscall = extra.syscall;
  if (extra.address !== undefined) e.address = extra.address;
  if (extra.port !== undefined) e.port = extra.port;
  return e;
}

/** Normalises anything thrown into an Error. */
export function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/** The error thrown by methods called after `close()`. */
export function closedError(): SystemError {
  return codedError("ERR_SOCKET_CLOSED", "socket is closed");
}
