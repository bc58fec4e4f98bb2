import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { renderConfigReference } from "../../../api/config/reference.js";
import { repoPath } from "../../support/repo.js";

describe("config reference (docs/config.md)", () => {
  it("is exactly what the schema renders; run `npm run docs:config` after changing a section", () => {
    assert.equal(readFileSync(repoPath("docs/config.md"), "utf8"), renderConfigReference());
  });

  it("lists every section and a key from each", () => {
    const doc = renderConfigReference();
    for (const key of [
      "api.listen",
      "bfd.peers.<name>.required-rx",
      "ddm.interfaces",
      "healthchecks.<name>.rise",
      "backends.<name>.address",
      "frontends.<name>.pools[].name",
      "dataplane.kind",
    ]) {
      assert.ok(doc.includes(`\`${key}\``), `missing ${key}`);
    }
  });
});
