/**
 * Expected HTTP status codes, written as a list of codes and inclusive ranges
 * (`200-299,301`), the notation keepalived uses for `status_code`
 * (anchors.md §4.1). maglev-vpp.md §2.4 leaves the key and default open [?];
 * our default is `200-299`, keepalived's.
 */
import type { Brand } from "../common/brand.js";
import { err, ok, type Result } from "../common/result.js";
import { type HealthError, healthError } from "./errors.js";

/** A parsed, non-empty set of inclusive status ranges within 100..599. */
export type StatusSet = Brand<{ readonly ranges: StatusRanges }, "StatusSet">;

/** Inclusive `[low, high]` status ranges. */
export type StatusRanges = readonly (readonly [number, number])[];

/** The default expected statuses: any 2xx. */
export const DEFAULT_STATUS_SET = "200-299";

const CODE = /^\d{3}$/;

function parseCode(text: string): number | undefined {
  if (!CODE.test(text)) return undefined;
  const n = Number(text);
  return n >= 100 && n <= 599 ? n : undefined;
}

/** Parse `200-299,301`. Whitespace around items is allowed; empty items are not. */
export function parseStatusSet(text: string): Result<StatusSet, HealthError> {
  const ranges: (readonly [number, number])[] = [];
  const bad = (why: string) =>
    err(
      healthError(
        "HC_E_INVALID_STATUS_SET",
        `invalid expected status list "${text}": ${why}`,
        "expect-status",
      ),
    );
  for (const raw of text.split(",")) {
    const item = raw.trim();
    if (item === "") return bad("empty item");
    const dash = item.indexOf("-");
    const lo = parseCode(dash < 0 ? item : item.slice(0, dash).trim());
    const hi = dash < 0 ? lo : parseCode(item.slice(dash + 1).trim());
    if (lo === undefined || hi === undefined)
      return bad(`"${item}" is not a status code 100-599 or a range of them`);
    if (lo > hi) return bad(`range "${item}" is reversed`);
    ranges.push([lo, hi]);
  }
  const value: { readonly ranges: StatusRanges } = { ranges };
  return ok(value as StatusSet);
}

/** True when `status` is in the set. */
export function statusMatches(set: StatusSet, status: number): boolean {
  // A plain loop: this runs for every HTTP probe's answer.
  const ranges = set.ranges;
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i] as readonly [number, number];
    if (status >= r[0] && status <= r[1]) return true;
  }
  return false;
}

/** Canonical text of a set, for logs and the API. */
export function formatStatusSet(set: StatusSet): string {
  return set.ranges.map(([lo, hi]) => (lo === hi ? String(lo) : `${lo}-${hi}`)).join(",");
}
