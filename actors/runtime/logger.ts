/**
 * Logging through pino only (style guide rule 35): one JSON root logger per
 * daemon, and a child per actor with fixed bindings so every line an actor
 * writes can be filtered by `component`, `kind` and `path`. Messages are
 * constant strings; variable data goes in fields.
 */
import { type DestinationStream, type Level, type Logger, pino } from "pino";

export type { Logger } from "pino";

/** Levels accepted by the root logger (pino's names plus "silent"). */
export type LogLevel = Level | "silent";

/** Options for the daemon's root logger. */
export interface RootLoggerOptions {
  /** Minimum level; defaults to "info". */
  readonly level?: LogLevel;
  /** Where JSON lines go; defaults to stdout. Tests pass an in-memory stream. */
  readonly destination?: DestinationStream;
  /** Extra bindings on every line (e.g. `{ node: "rack1-sw3" }`). */
  readonly base?: Readonly<Record<string, string | number>>;
}

/** Build the daemon's root logger: JSON lines, ISO time, no pid/hostname noise. */
export function createRootLogger(options: RootLoggerOptions = {}): Logger {
  const opts = {
    level: options.level ?? "info",
    base: { ...(options.base ?? {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination === undefined ? pino(opts) : pino(opts, options.destination);
}

/** Fixed bindings for an actor's child logger. */
export interface ActorLogBindings {
  /** The actor kind (a closed, code-defined name such as "bfd-session"). */
  readonly kind: string;
  /** The actor's supervision path, e.g. "/bfd/session-10.0.0.1". */
  readonly path: string;
}

/** A child logger for one actor; `component` is always "actor" so runtime lines are easy to select. */
export function actorLogger(root: Logger, bindings: ActorLogBindings): Logger {
  return root.child({ component: "actor", kind: bindings.kind, path: bindings.path });
}

/** A logger that discards everything (for tests and benchmarks that do not inspect logs). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
