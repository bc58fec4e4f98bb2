#!/usr/bin/env node
// Builds the addon from source and compiles the TypeScript API. Run by the
// `install` script (so `npm install` / `npm ci` at the root build us) and by
// `npm run build`. node-gyp is pointed at the running Node's own headers
// (<prefix>/include/node) so nothing is ever downloaded, whether or not the
// user's npm config carries `nodedir`.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const mode = process.argv[2] ?? "rebuild"; // rebuild | build | ts
const prefix = dirname(dirname(process.execPath));
const nodedir =
  process.env.npm_config_nodedir ??
  (existsSync(join(prefix, "include", "node", "node_api.h")) ? prefix : undefined);

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: "inherit", shell: false });
  if (r.status !== 0) {
    process.stderr.write(
      `dgram-extended: ${cmd} ${args.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`})\n`,
    );
    process.exit(r.status ?? 1);
  }
}

if (mode !== "ts") {
  // npm puts its bundled node-gyp on PATH for lifecycle scripts; fall back to npm's copy.
  const gypArgs = [mode, ...(nodedir === undefined ? [] : [`--nodedir=${nodedir}`])];
  const onPath = spawnSync("node-gyp", ["--version"], { stdio: "ignore" }).status === 0;
  if (onPath) {
    run("node-gyp", gypArgs);
  } else {
    const bundled = join(
      prefix,
      "lib",
      "node_modules",
      "npm",
      "node_modules",
      "node-gyp",
      "bin",
      "node-gyp.js",
    );
    run(process.execPath, [bundled, ...gypArgs]);
  }
}
// The root's TypeScript, found by normal resolution from this package.
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
run(process.execPath, [tsc, "-p", "tsconfig.json"]);
