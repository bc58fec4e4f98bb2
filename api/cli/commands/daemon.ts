/**
 * `daemon …`: run the daemon itself. Its flags belong to the composition root
 * (`api/daemon/main.ts`, owned by the daemon), so they are passed through
 * untouched. Imported lazily so the client commands never load the daemon.
 */
import type { Command } from "../command.js";

/** `daemon`. */
export const daemon: Command = {
  words: ["daemon"],
  synopsis: "[DAEMON OPTIONS]",
  summary: "run the daemon (options: see `magnetite daemon --help`)",
  rawArgs: true,
  async run({ args }) {
    const { runDaemon } = await import("../../daemon/main.js");
    return runDaemon([...args]);
  },
};
