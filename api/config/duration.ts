/**
 * Duration strings in the config file (`200ms`, `2s`, `1m30s`), parsed once
 * at the edge into branded `Millis`.
 *
 * The syntax follows the Go-style durations that vpp-maglev's config uses
 * (maglev-vpp.md §2.1: "Durations are Go-style strings (`200ms`, `5s`)"), cut
 * down to what a control plane needs: units `ms`, `s`, `m`, `h`; one or more
 * `<number><unit>` terms concatenated (`1h30m`); decimals allowed (`1.5s`).
 * Decisions where Go differs or the spec is silent:
 * - `us`/`ns` are rejected: every timer here works in whole milliseconds.
 * - The total must be a whole number of milliseconds (`1.5ms` is an error,
 *   not silently rounded).
 * - A bare number (`200`) is rejected: the unit is never guessed.
 * - No sign: a negative duration has no meaning in config.
 */
import { type Millis, millis } from "../../protocols/common/time.js";
import { err, ok, type Result } from "../../protocols/common/result.js";

/** Why a duration string was rejected. */
export type DurationErrorCode =
  /** Not a string, or empty. */
  | "DURATION_EMPTY"
  /** Does not match `<number><unit>…`. */
  | "DURATION_SYNTAX"
  /** A unit outside `ms|s|m|h`. */
  | "DURATION_UNIT"
  /** The total is not a whole number of milliseconds. */
  | "DURATION_FRACTION"
  /** The total exceeds `Number.MAX_SAFE_INTEGER` milliseconds. */
  | "DURATION_RANGE";

/** A rejected duration with a human-readable reason. */
export interface DurationError {
  readonly code: DurationErrorCode;
  readonly message: string;
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

// One term: digits with an optional fraction, then letters as the unit.
// Matching letters generically lets a wrong unit get its own message.
const TERM = /(\d+(?:\.\d+)?)([a-zA-Zµ]+)/y;

/** Parse `200ms`, `2s`, `1m`, `1h30m`, `1.5s` into milliseconds. Never throws. */
export function parseDuration(text: unknown): Result<Millis, DurationError> {
  if (typeof text !== "string" || text.trim() === "") {
    return err({ code: "DURATION_EMPTY", message: "expected a duration such as 200ms, 2s or 1m" });
  }
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) {
    return err({ code: "DURATION_SYNTAX", message: `duration "${s}" needs a unit (ms, s, m or h)` });
  }
  let total = 0;
  let at = 0;
  TERM.lastIndex = 0;
  while (at < s.length) {
    TERM.lastIndex = at;
    const m = TERM.exec(s);
    if (m === null || m.index !== at) {
      return err({
        code: "DURATION_SYNTAX",
        message: `invalid duration "${s}" (expected e.g. 200ms, 2s, 1m30s)`,
      });
    }
    const [, num, unit] = m as unknown as [string, string, string];
    const scale = UNIT_MS[unit];
    if (scale === undefined) {
      return err({
        code: "DURATION_UNIT",
        message: `unknown unit "${unit}" in duration "${s}" (use ms, s, m or h)`,
      });
    }
    total += Number(num) * scale;
    at = TERM.lastIndex;
  }
  // Decimal terms like 0.1s accumulate binary rounding noise; snap to the
  // nearest integer before deciding whether a fraction of a ms was asked for.
  const rounded = Math.round(total);
  if (Math.abs(total - rounded) > 1e-6) {
    return err({
      code: "DURATION_FRACTION",
      message: `duration "${s}" is not a whole number of milliseconds`,
    });
  }
  if (!Number.isSafeInteger(rounded)) {
    return err({ code: "DURATION_RANGE", message: `duration "${s}" is too large` });
  }
  return ok(millis(rounded));
}

/**
 * The canonical spelling of a duration (`1m30s`, `250ms`, `0s`): largest units
 * first, zero terms left out. `parseDuration(formatDuration(x))` gives `x` back.
 */
export function formatDuration(ms: Millis): string {
  if (ms === 0) return "0s";
  let rest = ms as number;
  let out = "";
  for (const [unit, scale] of [
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
    ["ms", 1],
  ] as const) {
    const n = Math.floor(rest / scale);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * scale;
  }
  return out;
}
