/**
 * Renders the config file reference (docs/config.md) from the schema itself,
 * so the documentation cannot drift from what the loader accepts: every key,
 * its type, default and description. A unit test fails when the committed
 * file differs from this rendering (`npm run docs:config` regenerates it).
 */
import { Kind, type TSchema } from "@sinclair/typebox";
import { ConfigSchema, SECTION_NAMES } from "./schema.js";

interface Row {
  readonly key: string;
  readonly type: string;
  readonly def: string;
  readonly description: string;
}

const CUSTOM: Readonly<Record<string, string>> = {
  "Cfg.Duration": "duration",
  "Cfg.IpAddress": "IP address",
  "Cfg.HostPort": "HOST:PORT",
};

function typeName(s: TSchema): string {
  const custom = CUSTOM[String(s[Kind])];
  if (custom !== undefined) return custom;
  const anyOf = s["anyOf"] as TSchema[] | undefined;
  if (anyOf !== undefined) {
    const consts = anyOf.map((a) => a["const"]);
    if (consts.every((c) => c !== undefined)) return consts.map((c) => JSON.stringify(c)).join(" \\| ");
    return anyOf.map(typeName).join(" \\| ");
  }
  if (s["const"] !== undefined) return JSON.stringify(s["const"]);
  const t = s["type"];
  if (t === "array") {
    const items = s["items"] as TSchema | undefined;
    return items === undefined ? "list" : `list of ${typeName(items)}`;
  }
  if (t === "object") return s["patternProperties"] !== undefined ? "map" : "mapping";
  const bounds: string[] = [];
  if (typeof s["minimum"] === "number") bounds.push(`≥ ${s["minimum"]}`);
  if (typeof s["maximum"] === "number") bounds.push(`≤ ${s["maximum"]}`);
  return `${String(t ?? "any")}${bounds.length > 0 ? ` (${bounds.join(", ")})` : ""}`;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n+/g, " ");
}

function defaultOf(s: TSchema): string {
  const d = s["default"];
  if (d === undefined) return "";
  if (typeof d === "object" && d !== null && Object.keys(d).length === 0) return "";
  return `\`${typeof d === "string" ? d : JSON.stringify(d)}\``;
}

function walk(s: TSchema, key: string, rows: Row[]): void {
  const description = typeof s["description"] === "string" ? s["description"] : "";
  const isObject = s["type"] === "object";
  if (!isObject || key.split(".").length > 1 || description !== "") {
    rows.push({ key, type: typeName(s), def: defaultOf(s), description });
  }
  if (isObject) {
    const props = (s["properties"] ?? {}) as Record<string, TSchema>;
    for (const [k, v] of Object.entries(props)) walk(v, `${key}.${k}`, rows);
    const pattern = s["patternProperties"] as Record<string, TSchema> | undefined;
    const each = pattern === undefined ? undefined : Object.values(pattern)[0];
    if (each !== undefined) walk(each, `${key}.<name>`, rows);
  }
  if (s["type"] === "array") {
    const items = s["items"] as TSchema | undefined;
    if (items !== undefined && items["type"] === "object") walk(items, `${key}[]`, rows);
  }
  const anyOf = s["anyOf"] as TSchema[] | undefined;
  for (const alt of anyOf ?? []) {
    if (alt["type"] === "object") walk(alt, key, rows);
  }
}

/** The Markdown reference of every config key. */
export function renderConfigReference(): string {
  const out: string[] = [
    "# Configuration reference",
    "",
    "Generated from the config schema (`api/config/sections/`) by `npm run docs:config`; a test keeps it",
    "in step. Every section is optional and an empty file is valid. Unknown keys are errors. Durations",
    "are strings such as `200ms`, `2s`, `1m30s`. `<name>` stands for an operator-chosen name.",
    "`magnetite config check FILE` validates a file and names `file:line:col key.path` for every issue.",
    "",
  ];
  const props = ConfigSchema.properties as Record<string, TSchema>;
  for (const section of SECTION_NAMES) {
    const schema = props[section];
    if (schema === undefined) continue;
    const rows: Row[] = [];
    walk(schema, section, rows);
    out.push(`## \`${section}\``, "");
    if (typeof schema["description"] === "string") out.push(cell(schema["description"]), "");
    out.push("| Key | Type | Default | Description |", "|---|---|---|---|");
    for (const r of rows) {
      if (r.key === section) continue;
      out.push(`| \`${r.key}\` | ${r.type} | ${r.def} | ${cell(r.description)} |`);
    }
    out.push("");
  }
  return `${out.join("\n").trimEnd()}\n`;
}
