/**
 * Turns TypeBox `ValueError`s into located, operator-readable issues: one per
 * path, with messages that say what was expected and what was found
 * (`unknown key "wieght" (expected: weight)`, `expected integer, got "ten"`).
 */
import type { TSchema } from "@sinclair/typebox";
import { type ValueError, ValueErrorType } from "@sinclair/typebox/value";
import type { ConfigIssue, PathSegments } from "./issue.js";
import type { Locator } from "./locate.js";
import { explainCustomKind } from "./primitives.js";

/** Split a TypeBox JSON pointer (`/frontends/web/pools/0`) into segments; digits in list position become numbers. */
export function pointerToSegments(pointer: string, root: unknown): (string | number)[] {
  const out: (string | number)[] = [];
  let cursor: unknown = root;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    const seg = Array.isArray(cursor) && /^\d+$/.test(key) ? Number(key) : key;
    out.push(seg);
    cursor =
      cursor !== null && typeof cursor === "object" ? (cursor as Record<string, unknown>)[key] : undefined;
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return `${typeof value} ${String(value)}`;
}

function literals(schema: TSchema): string[] | undefined {
  const anyOf: unknown = schema["anyOf"];
  if (!Array.isArray(anyOf)) return undefined;
  const out: string[] = [];
  for (const s of anyOf as TSchema[]) {
    if (!("const" in s)) return undefined;
    out.push(JSON.stringify(s["const"]));
  }
  return out;
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  object: "a mapping",
  array: "a list",
  integer: "an integer",
  number: "a number",
  string: "a string",
  boolean: "a boolean (true or false)",
};

function message(e: ValueError): string {
  const s = e.schema;
  switch (e.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const key = e.path.split("/").pop() ?? "";
      const props: unknown = s["properties"];
      const known = props !== null && typeof props === "object" ? Object.keys(props) : [];
      const hint = known.length > 0 ? ` (expected one of: ${known.join(", ")})` : "";
      return `unknown key "${key.replaceAll("~1", "/").replaceAll("~0", "~")}"${hint}`;
    }
    case ValueErrorType.ObjectRequiredProperty:
      return `missing required key "${e.path.split("/").pop() ?? ""}"`;
    case ValueErrorType.Kind:
      return explainCustomKind(s, e.value) ?? e.message;
    case ValueErrorType.Union: {
      const lits = literals(s);
      return lits === undefined ? e.message : `expected one of ${lits.join(", ")}, got ${describe(e.value)}`;
    }
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `must be at least ${String(s["minimum"])}, got ${String(e.value)}`;
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return `must be at most ${String(s["maximum"])}, got ${String(e.value)}`;
    case ValueErrorType.ArrayMinItems:
      return `must have at least ${String(s["minItems"])} item(s)`;
    case ValueErrorType.ArrayUniqueItems:
      return "items must be unique";
    case ValueErrorType.StringMinLength:
      return s["minLength"] === 1
        ? "must not be empty"
        : `must be at least ${String(s["minLength"])} characters`;
    case ValueErrorType.StringPattern:
      return `${describe(e.value)} does not match ${String(s["pattern"])}`;
    default: {
      const want = typeof s["type"] === "string" ? TYPE_WORDS[s["type"]] : undefined;
      const isTypeError =
        want !== undefined && e.message.startsWith("Expected ") && !e.message.includes(" to ");
      return isTypeError ? `expected ${want}, got ${describe(e.value)}` : e.message;
    }
  }
}

/**
 * One located issue per failing path. A missing key also yields a type error
 * for its `undefined` value; only the "missing" one is kept.
 */
export function schemaIssues(errors: Iterable<ValueError>, root: unknown, locate: Locator): ConfigIssue[] {
  const seen = new Set<string>();
  const out: ConfigIssue[] = [];
  for (const e of errors) {
    if (seen.has(e.path)) continue;
    if (e.value === undefined && e.type !== ValueErrorType.ObjectRequiredProperty) continue;
    seen.add(e.path);
    const segments: PathSegments = pointerToSegments(e.path, root);
    const target = e.type === ValueErrorType.ObjectAdditionalProperties ? "key" : "value";
    out.push(locate(segments, message(e), target));
  }
  return out;
}
