/**
 * Every CLI command. Subsystems add theirs (`bfd get-peers`, `ddm …`,
 * `lb …`) by writing a module under `commands/` and listing it here.
 */
import type { Command } from "../command.js";
import { actors } from "./actors.js";
import { bfdCommands } from "./bfd.js";
import { configCheck, configReload } from "./config.js";
import { daemon } from "./daemon.js";
import { ddmCommands } from "./ddm.js";
import { lbBackend, lbBackends } from "./lb-backends.js";
import { lbCommands } from "./lb.js";
import { status } from "./status.js";

/** The command table `main` dispatches on. */
export const commands: readonly Command[] = [
  daemon,
  status,
  actors,
  configCheck,
  configReload,
  lbBackends,
  lbBackend,
  ...bfdCommands,
  ...ddmCommands,
  ...lbCommands,
];
