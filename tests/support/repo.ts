/**
 * Paths in the repository from a test, whether the test runs from source
 * (tsx) or compiled under dist/.
 */
import { fileURLToPath } from "node:url";

const fromSource = import.meta.url.endsWith(".ts");

/** Absolute path of `rel` (e.g. "docs/config.md") in the repository. */
export function repoPath(rel: string): string {
  return fileURLToPath(new URL(`${fromSource ? "../../" : "../../../"}${rel}`, import.meta.url));
}
