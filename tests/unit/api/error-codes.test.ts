/**
 * Style guide rule 32: the error codes the API can answer with and docs/errors.md stay in step.
 * Every subsystem's code table is registered by importing its routes module (the daemon does
 * the same at start-up); the documented table must list exactly the registered codes, each with
 * its status and a meaning.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { allErrorCodes, apiErrorCodes, registerErrorCodes } from "../../../api/errors.js";
import { healthErrorCodes } from "../../../api/routes/backends.js";
import { bfdErrorCodes } from "../../../api/routes/bfd.js";
import { ddmErrorCodes } from "../../../api/routes/ddm.js";
import { lbErrorCodes } from "../../../api/routes/lb.js";
import { repoPath } from "../../support/repo.js";

/** Rows of the docs table: code → [status, meaning]. */
function documented(): Map<string, [number, string]> {
  const out = new Map<string, [number, string]>();
  for (const line of readFileSync(repoPath("docs/errors.md"), "utf8").split("\n")) {
    const m = /^\| `([A-Z]+_E_[A-Z_]+)` \| (\d{3}) \| (.*) \|$/.exec(line);
    if (m === null) continue;
    const [, code, status, meaning] = m;
    if (code === undefined || status === undefined || meaning === undefined) continue;
    assert.ok(!out.has(code), `${code} listed twice`);
    out.set(code, [Number(status), meaning.trim()]);
  }
  return out;
}

const subsystemTables = [apiErrorCodes, bfdErrorCodes, ddmErrorCodes, healthErrorCodes, lbErrorCodes];

describe("error codes (docs/errors.md)", () => {
  it("documents every code the API registers, with its status and a meaning, and no dead code", () => {
    // The daemon registers these as its subsystems start; the test registers them the same way.
    for (const t of subsystemTables) registerErrorCodes(t);
    const docs = documented();
    const registered = new Map([...allErrorCodes()].filter(([code]) => !code.startsWith("TEST_")));
    for (const [code, status] of registered) {
      const row = docs.get(code);
      assert.ok(row !== undefined, `${code} (${status}) is registered but missing from docs/errors.md`);
      assert.equal(row[0], status, `${code}: docs say ${row[0]}, the registry ${status}`);
      assert.ok(row[1].length > 10, `${code} has no meaning in docs/errors.md`);
    }
    for (const code of docs.keys())
      assert.ok(registered.has(code), `docs/errors.md lists ${code}, which nothing registers`);
  });

  it("a code keeps one status across subsystems", () => {
    const seen = new Map<string, number>();
    for (const t of subsystemTables)
      for (const [code, status] of Object.entries(t)) {
        const had = seen.get(code);
        assert.ok(had === undefined || had === status, `${code}: ${had} and ${status}`);
        seen.set(code, status);
      }
  });
});
