/**
 * Public surface of the pure LB core (maglev-vpp §4, §5): weights and pools,
 * the desired VIP set, `diff`/`apply`, and the warmup tracker. Actors, config
 * and REST build on these; nothing here performs I/O.
 */
export * from "./apply.js";
export * from "./desired.js";
export * from "./diff.js";
export * from "./errors.js";
export * from "./frontend-state.js";
export * from "./ip.js";
export * from "./ops.js";
export * from "./types.js";
export * from "./warmup.js";
export * from "./weight.js";
