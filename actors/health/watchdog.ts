/**
 * The probe watchdog. keepalived issue #2523 is a checker that silently
 * stopped probing for a day while its real server stayed "up"; nothing
 * noticed because nothing expected the next check. Here every backend actor
 * records, whenever it arms or starts a probe, the instant by which that
 * probe must have happened; the supervisor scans the table on a timer and
 * reports backends past their deadline in a gauge, a counter and one warn
 * log line per overdue episode.
 *
 * Each entry is written only by its own backend's actor (single writer per
 * key) and read only by the scan; it is a liveness beacon like a metric, not
 * a shared copy of actor state. An actor that dies for good leaves its last
 * deadline behind on purpose: that is exactly the case to report. Only a
 * deliberate stop (pause, disable, removal, restart on reload) clears it.
 */
import type { Millis } from "../../protocols/common/time.js";

/** Slack added to every deadline: event-loop lag must not look like a dead checker. */
export const WATCHDOG_GRACE_MS = 1000;

/** Result of one scan. */
export interface WatchdogScan {
  /** Backends overdue now, with how late they are. */
  readonly overdue: readonly { readonly name: string; readonly lateMs: number }[];
  /** Backends that became overdue in this scan. */
  readonly newlyOverdue: readonly string[];
  /** Backends that were overdue at the previous scan and are not any more. */
  readonly recovered: readonly string[];
}

/**
 * One backend's line in the table, held by its actor so that recording a
 * deadline (twice per probe) is a field write: no map lookup, and no boxed
 * number per write as a `Map<string, number>` of fractional instants costs
 * (each box lived a probe interval and was promoted; `bench/health`).
 */
export class WatchEntry {
  /** Deadline including the grace; meaningful while listed. */
  deadline = 0;
  /** In the table (expecting), as opposed to cleared. */
  listed = false;

  constructor(
    private readonly table: Map<string, WatchEntry>,
    readonly name: string,
  ) {}

  /** The backend's next probe must start (or finish) by `deadline` plus the grace. */
  expect(deadline: Millis): void {
    this.deadline = deadline + WATCHDOG_GRACE_MS;
    if (this.listed) return;
    this.listed = true;
    // Re-listing after a clear; another entry for the name (a stopped actor's) is superseded.
    this.table.set(this.name, this);
  }

  /** The backend is deliberately not probed any more. */
  clear(): void {
    if (this.table.get(this.name) === this) this.table.delete(this.name);
    this.listed = false;
  }
}

/** Deadlines of the next expected probe activity, per backend. */
export class ProbeWatch {
  private readonly deadlines = new Map<string, WatchEntry>();
  private reported = new Set<string>();

  /** The entry of `name`, for its actor to keep: the one listed, or a new unlisted one. */
  entry(name: string): WatchEntry {
    return this.deadlines.get(name) ?? new WatchEntry(this.deadlines, name);
  }

  /** The backend's next probe must start (or finish) by `deadline` plus the grace. */
  expect(name: string, deadline: Millis): void {
    this.entry(name).expect(deadline);
  }

  /** The backend is deliberately not probed any more. */
  clear(name: string): void {
    this.deadlines.get(name)?.clear();
  }

  /** Number of backends being watched. */
  get size(): number {
    return this.deadlines.size;
  }

  /** Compare every deadline with `now`. */
  scan(now: Millis): WatchdogScan {
    const overdue: { name: string; lateMs: number }[] = [];
    for (const [name, e] of this.deadlines) {
      if (now > e.deadline) overdue.push({ name, lateMs: now - e.deadline + WATCHDOG_GRACE_MS });
    }
    const current = new Set(overdue.map((o) => o.name));
    const newlyOverdue = [...current].filter((n) => !this.reported.has(n));
    const recovered = [...this.reported].filter((n) => !current.has(n));
    this.reported = current;
    return { overdue, newlyOverdue, recovered };
  }
}
