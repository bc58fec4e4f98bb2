/**
 * The whole config file: seven optional top-level sections, each strict
 * (unknown keys are errors, maglev-vpp.md §2.1 "strict YAML decode"). An
 * empty file is a valid config with every default applied.
 */
import { Type } from "@sinclair/typebox";
import type { Decoded } from "./primitives.js";
import { ApiSection } from "./sections/api.js";
import { BackendsSection } from "./sections/backends.js";
import { BfdSection } from "./sections/bfd.js";
import { DataplaneSection } from "./sections/dataplane.js";
import { DdmSection } from "./sections/ddm.js";
import { FrontendsSection } from "./sections/frontends.js";
import { HealthchecksSection } from "./sections/healthchecks.js";

/** Schema of the config file. */
export const ConfigSchema = Type.Object(
  {
    api: ApiSection,
    bfd: BfdSection,
    ddm: DdmSection,
    healthchecks: HealthchecksSection,
    backends: BackendsSection,
    frontends: FrontendsSection,
    dataplane: DataplaneSection,
  },
  { additionalProperties: false, default: {} },
);

/** A loaded, validated config with defaults applied and durations as `Millis`. */
export type Config = Decoded<typeof ConfigSchema>;

/** The section names, in file order of the documentation. */
export const SECTION_NAMES = [
  "api",
  "bfd",
  "ddm",
  "healthchecks",
  "backends",
  "frontends",
  "dataplane",
] as const;
/** One top-level section name. */
export type SectionName = (typeof SECTION_NAMES)[number];
