// Writes docs/config.md from the config schema (`npm run docs:config`).
import { writeFileSync } from "node:fs";
import { renderConfigReference } from "../api/config/reference.js";

writeFileSync("docs/config.md", renderConfigReference());
console.log("wrote docs/config.md");
