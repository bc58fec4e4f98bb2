/**
 * Nominal ("branded") types. A brand makes a plain number or string
 * unassignable from an unchecked value, so units and invariants are parsed
 * once at the edge (API, config, wire) and trusted everywhere after.
 */
declare const brand: unique symbol;

/** `T` tagged with the compile-time-only brand `B`. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };
