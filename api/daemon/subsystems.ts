/**
 * The subsystems the daemon runs, in start order. Each subsystem issue adds
 * its factory here (BFD, DDM, health checking, then the LB reconciler, which
 * depends on health checking).
 */
import { bfdSubsystem } from "../routes/bfd.js";
import { healthSubsystem } from "../routes/backends.js";
import { lbSubsystem } from "../routes/lb.js";
import type { SubsystemContext } from "./daemon.js";
import type { Subsystem } from "./subsystem.js";
import { ddmSubsystem } from "../routes/ddm.js";

/** Build the daemon's subsystems from the loaded config. */
export function defaultSubsystems(ctx: SubsystemContext): Subsystem[] {
  return [bfdSubsystem(ctx), ddmSubsystem(ctx), healthSubsystem(ctx), lbSubsystem(ctx)];
}
