/**
 * Result unions for expected failures. Codecs, cores and diffs return these;
 * exceptions are reserved for programmer errors (style guide rule 31).
 */
export type Ok<T> = { readonly ok: true; readonly value: T };
export type Err<E> = { readonly ok: false; readonly error: E };
export type Result<T, E> = Ok<T> | Err<E>;

/** Wrap a success. */
export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

/** Wrap an expected failure. */
export function err<E>(error: E): Err<E> {
  return { ok: false, error };
}
