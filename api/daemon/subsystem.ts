/**
 * What a subsystem (BFD, DDM, health checking, LB) gives the composition
 * root: a lifecycle component, its REST plugin, and how to apply a new
 * config on SIGHUP. The root knows nothing else about it.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { ConfigDiff } from "../config/diff.js";
import type { Config } from "../config/schema.js";
import type { Component } from "./lifecycle.js";

/** A subsystem plugged into the daemon. */
export interface Subsystem extends Component {
  /** Routes served for this subsystem (registered when the API is built). */
  readonly routes?: FastifyPluginAsyncTypebox;
  /**
   * Apply a validated new config. `diff` names what changed per section so
   * unchanged actors are left untouched. Throwing leaves the old config in force
   * for this subsystem and counts the reload as failed.
   */
  applyConfig?(next: Config, diff: ConfigDiff): Promise<void>;
}
