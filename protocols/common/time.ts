/**
 * Time units. `Millis` is a monotonic instant or span in milliseconds, never
 * wall-clock time; `Micros` is the unit of BFD timer fields on the wire. The
 * brands keep the two from being mixed up (a classic BFD bug).
 */
import type { Brand } from "./brand.js";

/** Monotonic milliseconds (instant or duration). */
export type Millis = Brand<number, "Millis">;
/** Microseconds, as carried in BFD control packets (RFC 5880 §4.1). */
export type Micros = Brand<number, "Micros">;

/** Tag a number as milliseconds. */
export function millis(n: number): Millis {
  return n as Millis;
}

/** Tag a number as microseconds. */
export function micros(n: number): Micros {
  return n as Micros;
}

/** Microseconds to milliseconds (fractional values kept). */
export function microsToMillis(us: Micros): Millis {
  return (us / 1000) as Millis;
}

/** Milliseconds to whole microseconds. */
export function millisToMicros(ms: Millis): Micros {
  return Math.round(ms * 1000) as Micros;
}

/** A randomness source in [0, 1), injected so cores stay deterministic in tests. */
export type Random = () => number;
