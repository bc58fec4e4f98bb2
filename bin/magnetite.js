#!/usr/bin/env node
// The `magnetite` command. The TypeScript tree is compiled to dist/ by `npm ci`
// (the `prepare` script); this shim only loads it and exits with its code.
import { main, processIo } from "../dist/api/cli/main.js";

process.stdout.on("error", (e) => {
  // `magnetite actors | head` closes the pipe early; that is not a failure.
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});
const code = await main(process.argv.slice(2), processIo);
process.exit(code);
