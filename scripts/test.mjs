#!/usr/bin/env node
// The one test command (README: `npm test`). Builds the TypeScript tree, then
// runs every compiled `*.test.js` under dist/tests with Node's built-in runner,
// which prints the totals CI reads. Extra arguments narrow the run to paths
// under tests/ (e.g. `npm test -- tests/unit/bfd`).
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, rmSync } from "node:fs";

// Compiled tests of deleted or renamed sources would otherwise linger in dist/
// and run (and fail) on a working tree that was built before.
rmSync("dist/tests", { recursive: true, force: true });
const build = spawnSync("npx", ["tsc", "-p", "tsconfig.json"], { stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);
// Data fixtures (JSON, YAML, PEM…) sit beside the compiled tests that read them.
if (existsSync("tests/fixtures")) {
  cpSync("tests/fixtures", "dist/tests/fixtures", { recursive: true, filter: (src) => !src.endsWith(".ts") });
}

const targets = process.argv.slice(2).map((p) => `dist/${p.replace(/\.ts$/, ".js")}`);
const paths = targets.length > 0 ? targets : ["dist/tests"];
for (const p of paths) {
  if (!existsSync(p)) {
    console.error(`no such test path: ${p}`);
    process.exit(2);
  }
}
const run = spawnSync(
  process.execPath,
  ["--enable-source-maps", "--test", "--test-concurrency=1", "--test-reporter=spec", ...paths],
  { stdio: "inherit" },
);
process.exit(run.status ?? 1);
