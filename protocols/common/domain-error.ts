/**
 * Base class for typed, coded errors thrown at boundaries (API, config,
 * adapters). `code` is a stable prefixed string (`BFD_E_PEER_EXISTS`); the
 * API's error registry maps codes to HTTP status. Errors serialise to a plain
 * object so they can cross actor messages and logs.
 */
export class DomainError<C extends string = string> extends Error {
  override readonly name: string = "DomainError";
  readonly code: C;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: C, message: string, details: Readonly<Record<string, unknown>> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }

  /** A plain-object form for logs and messages. */
  toJSON(): { name: string; code: C; message: string; details: Readonly<Record<string, unknown>> } {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

/** Thrown when an internal invariant is violated; supervision handles it. */
export class InvariantError extends Error {
  override readonly name = "InvariantError";
}
