/**
 * The `magnetite` command line: `magnetite [--api URL] [--json] [--timeout D] COMMAND …`.
 * Commands come from a table (`commands/index.ts`); this file only finds the
 * command, parses its options with `node:util` `parseArgs`, and maps the
 * outcome to an exit code. `main` takes its I/O as a parameter so tests run
 * it in-process.
 */
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { parseDuration } from "../config/duration.js";
import { ApiClient, DEFAULT_API_URL, resolveBaseUrl } from "./client.js";
import {
  type Command,
  type CommandContext,
  ExitCode,
  type GlobalOptions,
  type Io,
  UsageError,
} from "./command.js";
import { commands as builtin } from "./commands/index.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

const GLOBAL_OPTIONS = {
  api: { type: "string" },
  json: { type: "boolean" },
  timeout: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies Options;

/** Per-request deadline when `--timeout` is not given. */
export const DEFAULT_TIMEOUT = "5s";

function usageLine(c: Command): string {
  return ["magnetite", ...c.words, ...(c.synopsis === undefined ? [] : [c.synopsis])].join(" ");
}

/** The full help text. */
export function helpText(table: readonly Command[]): string {
  const width = Math.max(...table.map((c) => usageLine(c).length));
  const lines = table.map((c) => `  ${usageLine(c).padEnd(width)}  ${c.summary}`);
  return `Usage: magnetite [--api URL] [--json] [--timeout DURATION] COMMAND [ARGS]

Commands:
${lines.join("\n")}

Global options:
  --api URL           daemon API base URL (env MAGNETITE_API; default ${DEFAULT_API_URL})
  --json              print JSON instead of tables
  --timeout DURATION  per-request deadline, e.g. 500ms, 5s (default ${DEFAULT_TIMEOUT})
  -h, --help          this help; \`magnetite COMMAND --help\` for one command

Exit codes:
  0  success
  1  runtime failure (API error, daemon not ready)
  2  usage error or invalid config
  3  API unreachable or no answer in time
`;
}

function commandHelp(c: Command): string {
  const opts = Object.entries(c.options ?? {}).map(
    ([name, o]) => `  --${name}${o.type === "string" ? " VALUE" : ""}`,
  );
  return `Usage: ${usageLine(c)}\n\n${c.summary}\n${opts.length > 0 ? `\nOptions:\n${opts.join("\n")}\n` : ""}`;
}

/** The positional words (with their argv index), read leniently so command options do not break the lookup. */
function positionalTokens(argv: readonly string[]): { value: string; index: number }[] {
  const { tokens } = parseArgs({
    args: [...argv],
    options: GLOBAL_OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  return tokens.flatMap((t) => (t.kind === "positional" ? [{ value: t.value, index: t.index }] : []));
}

/** The longest command whose words prefix the positionals. */
function findCommand(table: readonly Command[], words: readonly string[]): Command | undefined {
  let best: Command | undefined;
  for (const c of table) {
    if (c.words.every((w, i) => words[i] === w) && (best === undefined || c.words.length > best.words.length))
      best = c;
  }
  return best;
}

function globalsFrom(values: Record<string, unknown>): GlobalOptions {
  const timeoutText = typeof values["timeout"] === "string" ? values["timeout"] : DEFAULT_TIMEOUT;
  const t = parseDuration(timeoutText);
  if (!t.ok) throw new UsageError(`--timeout: ${t.error.message}`);
  if (t.value <= 0) throw new UsageError("--timeout must be greater than zero");
  return {
    json: values["json"] === true,
    api: typeof values["api"] === "string" ? values["api"] : undefined,
    timeoutMs: t.value,
  };
}

async function dispatch(argv: readonly string[], io: Io, table: readonly Command[]): Promise<number> {
  const positional = positionalTokens(argv);
  const words = positional.map((p) => p.value);
  const cmd = findCommand(table, words);
  if (cmd?.rawArgs === true) {
    const at = positional[cmd.words.length - 1]?.index ?? argv.length;
    const ctx = makeContext(io, { json: false, api: undefined, timeoutMs: 0 }, argv.slice(at + 1), {});
    return cmd.run(ctx);
  }
  const wantsHelp = argv.includes("--help") || argv.includes("-h") || words[0] === "help";
  if (cmd === undefined) {
    const group = table.filter((c) => words.length > 0 && c.words[0] === words[0]);
    if (wantsHelp || words.length === 0) {
      io.out(helpText(group.length > 0 && words[0] !== "help" ? group : table));
      return words.length === 0 && !wantsHelp ? ExitCode.USAGE : ExitCode.OK;
    }
    const known = group.length > 0 ? ` (try: ${group.map((c) => c.words.join(" ")).join(", ")})` : "";
    throw new UsageError(`unknown command "${words.join(" ")}"${known}`);
  }
  if (wantsHelp) {
    io.out(commandHelp(cmd));
    return ExitCode.OK;
  }
  let parsed: ReturnType<typeof parseArgs<{ options: Options; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...GLOBAL_OPTIONS, ...cmd.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (e: unknown) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const args = parsed.positionals.slice(cmd.words.length);
  const { min, max } = cmd.positionals ?? { min: 0, max: 0 };
  if (args.length < min || args.length > max) {
    throw new UsageError(`usage: ${usageLine(cmd)}`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  return cmd.run(makeContext(io, globalsFrom(values), args, values));
}

function makeContext(
  io: Io,
  global: GlobalOptions,
  args: readonly string[],
  values: Record<string, string | boolean | undefined>,
): CommandContext {
  return {
    io,
    global,
    args,
    values,
    client: () => new ApiClient(resolveBaseUrl(global.api, io.env), global.timeoutMs),
  };
}

/** Run the CLI; resolves to the exit code. Never throws. */
export async function main(
  argv: readonly string[],
  io: Io,
  table: readonly Command[] = builtin,
): Promise<number> {
  try {
    return await dispatch(argv, io, table);
  } catch (e: unknown) {
    if (e instanceof UsageError) {
      io.err(`magnetite: ${e.message}\nRun 'magnetite --help' for usage.\n`);
      return ExitCode.USAGE;
    }
    io.err(`magnetite: ${e instanceof Error ? e.message : String(e)}\n`);
    return ExitCode.FAILURE;
  }
}

/** The real process's I/O. */
export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
};

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // `magnetite actors | head` closes the pipe early; that is not an error (ddmadm exits 0 too).
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(ExitCode.OK);
    throw e;
  });
  main(process.argv.slice(2), processIo).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = ExitCode.FAILURE;
    },
  );
}
