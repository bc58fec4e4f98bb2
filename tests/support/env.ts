/**
 * Gating for tests that need root, network namespaces or an installed tool.
 * Outside CI such a test is skipped with the reason; in CI (`CI=true`) a
 * missing prerequisite is a failure, because CI must run every test
 * (DESIGN.md, Testing).
 */
import { spawnSync } from "node:child_process";

/** True when running under CI, where nothing may be skipped. */
export const inCi = process.env["CI"] === "true";

/** True when this process is root (needed for netns, veth, raw sockets). */
export const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** True when `cmd` is found on PATH. */
export function hasCommand(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

/**
 * Returns `false` (run) or a skip reason string for node:test's `skip` option.
 * Throws in CI when a prerequisite is missing, so the suite fails loudly.
 */
export function skipUnless(requirements: { root?: boolean; commands?: readonly string[] }): string | false {
  const missing: string[] = [];
  if (requirements.root === true && !isRoot) missing.push("root");
  for (const c of requirements.commands ?? []) if (!hasCommand(c)) missing.push(c);
  if (missing.length === 0) return false;
  const reason = `needs ${missing.join(", ")}`;
  if (inCi) throw new Error(`integration prerequisite missing in CI: ${reason}`);
  return reason;
}
