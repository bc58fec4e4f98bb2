/**
 * Discriminator space (RFC 5880 §6.8.1: bfd.LocalDiscr is non-zero and unique per system; §6.3
 * recommends it be hard to guess, so it is drawn at random rather than counted).
 */
export type { Discriminator } from "../../protocols/bfd/index.js";

/** Largest discriminator value (the 32-bit field). */
export const U32_MAX_DISCRIMINATOR = 0xffff_ffff;
