/**
 * The CLI's building blocks: exit codes, the I/O seam tests replace, and the
 * `Command` shape every subcommand module exports. Subsystems add commands
 * (`bfd …`, `ddm …`, `lb …`) by writing a module and appending it to
 * `commands/index.ts`; `main.ts` never changes for that.
 */
import type { ParseArgsConfig } from "node:util";
import type { Static, TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { ApiClient } from "./client.js";

/** Process exit codes (documented in `--help`). */
export const ExitCode = {
  /** Success. */
  OK: 0,
  /** The command ran but failed: an API error, or the daemon is not ready. */
  FAILURE: 1,
  /** Bad usage, or an invalid config file. */
  USAGE: 2,
  /** The API could not be reached or did not answer in time. */
  UNREACHABLE: 3,
} as const;
/** One of the exit codes. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Where a command reads its environment and writes its output. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The options every command accepts. */
export interface GlobalOptions {
  readonly json: boolean;
  readonly api: string | undefined;
  readonly timeoutMs: number;
}

/** What a command's `run` receives. */
export interface CommandContext {
  readonly io: Io;
  readonly global: GlobalOptions;
  /** Positional arguments after the command words. */
  readonly args: readonly string[];
  /** The command's own parsed options. */
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  /** The API client (base URL and timeout from the global options); throws a usage error for a bad URL. */
  readonly client: () => ApiClient;
}

/** One subcommand. */
export interface Command {
  /** The words that select it: `["config", "check"]`. */
  readonly words: readonly string[];
  /** Positional synopsis for help: `FILE`. */
  readonly synopsis?: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The command's own options (merged with the global ones when parsing). */
  readonly options?: NonNullable<ParseArgsConfig["options"]>;
  /** Exact number of positionals, or a range; default none. */
  readonly positionals?: { readonly min: number; readonly max: number };
  /**
   * Pass every argument after the command words through untouched (for
   * `daemon`, whose flags belong to the daemon).
   */
  readonly rawArgs?: boolean;
  readonly run: (ctx: CommandContext) => Promise<number>;
}

/** A usage error raised while parsing; `main` prints it with a hint and exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * Call the API and check the response body against its schema. On an API
 * failure or a body of another shape (a daemon of another version, a proxy's
 * error page), the reason is printed to stderr and the exit code to return
 * is given instead of a body: a command never renders unchecked data.
 */
export async function requestChecked<T extends TSchema>(
  ctx: CommandContext,
  method: "GET" | "POST" | "PUT",
  path: string,
  schema: T,
  body?: unknown,
): Promise<{ ok: true; body: Static<T> } | { ok: false; code: number }> {
  const r = await ctx.client().request(method, path, body === undefined ? {} : { body });
  if (!r.ok) {
    ctx.io.err(`${r.error.message}\n`);
    return { ok: false, code: r.error.exitCode };
  }
  const got: unknown = r.value.body;
  if (!Value.Check(schema, got)) {
    ctx.io.err(`${method} ${path}: unexpected response shape\n`);
    return { ok: false, code: ExitCode.FAILURE };
  }
  return { ok: true, body: got };
}
