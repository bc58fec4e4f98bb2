/**
 * Human durations for CLI tables, matching maghemite's `format_duration_human`
 * (mg-common, used by ddmadm/mgadm; ddm-bfd-maghemite.md §1.5) so operators
 * see the same text from either tool:
 *   ≥ 1 day  → `426d 13h 24m 9s`
 *   ≥ 1 hour → `3h 12m 5s`          (milliseconds dropped from one hour up)
 *   ≥ 1 min  → `1m 30s 250ms`
 *   ≥ 1 s    → `4s 590ms`
 *   else     → `500ms`, and zero is `0ms`
 * Leading zero units are left out; inner zeros are kept (`1h 0m 5s`).
 * Sub-millisecond parts are truncated, as the original does with whole
 * milliseconds. Our additions: negative or non-finite input (clock skew, a
 * bad field) prints as `0ms` rather than nonsense.
 */

const DAY = 86_400;

/** Format a span given in milliseconds. */
export function formatDurationHuman(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms) : 0;
  const secs = Math.floor(total / 1000);
  const milli = total % 1000;
  const d = Math.floor(secs / DAY);
  const h = Math.floor((secs % DAY) / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  if (d > 0) return `${d}d ${h}h ${m}m ${s}s`;
  if (h > 0) return `${h}h ${m}m ${s}s`;
  if (m > 0) return `${m}m ${s}s ${milli}ms`;
  if (s > 0) return `${s}s ${milli}ms`;
  return `${milli}ms`;
}

/** Milliseconds from a Rust-style `{secs, nanos}` duration, as ddm-admin's `GET /peers` returns it. */
export function millisFromSecsNanos(d: { readonly secs: number; readonly nanos: number }): number {
  return d.secs * 1000 + Math.floor(d.nanos / 1_000_000);
}
