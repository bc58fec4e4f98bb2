/**
 * The subsystems the daemon runs, in start order (stopped in reverse). The LB
 * reconciler starts after health checking because it subscribes to the
 * backend states the health service publishes.
 */
import { healthBackendStates } from "../../actors/lb/sources.js";
import { healthSubsystem } from "../routes/backends.js";
import { bfdSubsystem } from "../routes/bfd.js";
import { ddmSubsystem } from "../routes/ddm.js";
import { lbSubsystem } from "../routes/lb.js";
import type { SubsystemContext } from "./daemon.js";
import type { Subsystem } from "./subsystem.js";

/** Build the daemon's subsystems from the loaded config. */
export function defaultSubsystems(ctx: SubsystemContext): Subsystem[] {
  const health = healthSubsystem(ctx);
  const lb = lbSubsystem(ctx, {
    states: () => {
      const service = health.service();
      return service === undefined ? undefined : healthBackendStates(service);
    },
  });
  return [bfdSubsystem(ctx), ddmSubsystem(ctx), health, lb];
}
