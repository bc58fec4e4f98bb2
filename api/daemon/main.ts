/**
 * `magnetite daemon`: parse the command line, load the config, start the
 * composition root, and map signals to lifecycle calls:
 *   SIGTERM / SIGINT → stop in reverse order within the deadline, exit 0;
 *   SIGHUP           → reload the config (on error the old one stays);
 * Exit codes (documented in README.md):
 *   0 stopped cleanly   1 failed to start or crashed   2 usage or config error
 *   4 components overran the stop deadline   5 a supervisor gave up (crash loop)
 */
import { parseArgs } from "node:util";
import { createRootLogger, type LogLevel } from "../../actors/runtime/logger.js";
import { formatIssue } from "../config/issue.js";
import { parseListenAddress } from "../config/primitives.js";
import { initialConfig, startDaemon } from "./daemon.js";
import { StopDeadlineError } from "./lifecycle.js";
import { defaultSubsystems } from "./subsystems.js";

/** Daemon exit codes. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  stopDeadline: 4,
  supervisorGaveUp: 5,
} as const;

const LEVELS = new Set(["trace", "debug", "info", "warn", "error", "fatal", "silent"]);
const USAGE =
  "usage: magnetite daemon [--config FILE] [--state-dir DIR] [--api HOST:PORT] [--log-level LEVEL] [--stop-deadline MS]";

/** Run the daemon until a signal stops it; resolves to the process exit code. */
export async function runDaemon(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: "string" },
        "state-dir": { type: "string" },
        api: { type: "string" },
        "log-level": { type: "string" },
        "stop-deadline": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e: unknown) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    return ExitCode.usage;
  }
  if (values["help"] === true) {
    process.stdout.write(`${USAGE}\n`);
    return ExitCode.ok;
  }
  const str = (k: string): string | undefined => {
    const v = values[k];
    return typeof v === "string" ? v : undefined;
  };
  const level = str("log-level") ?? "info";
  if (!LEVELS.has(level)) {
    process.stderr.write(`--log-level must be one of ${[...LEVELS].join(", ")}\n`);
    return ExitCode.usage;
  }
  const apiText = str("api");
  const api = apiText === undefined ? undefined : parseListenAddress(apiText);
  if (api !== undefined && !api.ok) {
    process.stderr.write(`--api: ${api.error}\n`);
    return ExitCode.usage;
  }
  const deadlineMs = Number(str("stop-deadline") ?? "10000");
  if (!Number.isInteger(deadlineMs) || deadlineMs <= 0) {
    process.stderr.write("--stop-deadline must be a positive number of milliseconds\n");
    return ExitCode.usage;
  }

  const logger = createRootLogger({ level: level as LogLevel });
  const configFile = str("config");
  const loaded = await initialConfig(configFile);
  if (!loaded.ok) {
    for (const i of loaded.error.issues) process.stderr.write(`${formatIssue(i)}\n`);
    logger.fatal({ code: loaded.error.code, file: configFile }, "invalid config; not starting");
    return ExitCode.usage;
  }

  let resolveExit: (code: number) => void = () => undefined;
  const exit = new Promise<number>((r) => {
    resolveExit = r;
  });
  let stopping = false;
  const shutdown = async (why: string, code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ why, deadlineMs }, "stopping");
    if (daemon === undefined) return; // still starting: runDaemon stops it once started
    try {
      await daemon.stop(deadlineMs);
      resolveExit(code);
    } catch (e: unknown) {
      logger.error({ err: e }, "stop did not complete cleanly");
      resolveExit(e instanceof StopDeadlineError ? ExitCode.stopDeadline : ExitCode.failure);
    }
  };

  let daemon: Awaited<ReturnType<typeof startDaemon>> | undefined;
  const onTerm = (sig: NodeJS.Signals) => void shutdown(sig, ExitCode.ok);
  process.on("SIGTERM", onTerm);
  process.on("SIGINT", onTerm);
  process.on("SIGHUP", () => {
    logger.info("SIGHUP: reloading the config");
    void daemon?.reload();
  });
  try {
    daemon = await startDaemon(
      {
        ...(configFile === undefined ? {} : { configFile }),
        stateDir: str("state-dir") ?? "./.magnetite/state",
        ...(api === undefined ? {} : { api: api.value }),
        logger,
        onFatal: (reason) => {
          logger.fatal({ err: reason }, "a supervisor gave up; exiting so the service manager restarts us");
          void shutdown("supervisor gave up", ExitCode.supervisorGaveUp);
        },
        subsystems: defaultSubsystems,
      },
      loaded.config,
    );
  } catch (e: unknown) {
    logger.fatal({ err: e }, "failed to start");
    return ExitCode.failure;
  }
  if (stopping) {
    // A signal arrived while we were starting: stop what started.
    await daemon.stop(deadlineMs).catch(() => undefined);
    return ExitCode.ok;
  }
  const code = await exit;
  logger.flush();
  return code;
}
