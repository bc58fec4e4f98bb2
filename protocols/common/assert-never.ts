/**
 * Exhaustiveness guard: every `switch` over a discriminated union ends in
 * `default: return assertNever(x)`, so a new variant is a compile error.
 * Reaching it at run time is a programmer error, hence the throw.
 */
export function assertNever(value: never, what = "value"): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
