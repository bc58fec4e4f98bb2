/**
 * JSON for exchange bodies at table scale: `JSON.parse` where its answer is
 * exactly the strict reader's (`json.ts`), the strict reader where it is not.
 * A 30,000-route pull took 137 ms in the strict reader and 7 ms in
 * `JSON.parse` (bench/ddm/core.ts).
 *
 * `JSON.parse` differs from the strict reader in three ways, each found by a
 * single scan of the text that skips over strings (`scan`):
 *
 * - numbers: a double holds an integer literal exactly only up to 2^53, and
 *   `1.0`, `1e0` and `-0` lose their spelling, which the decoders judge
 *   (tunnel metrics are u64 and mgd sends u64::MAX, spec §1.3). A literal of
 *   at most 15 digits and nothing else is read as a `number`; every other
 *   literal is rewritten before parsing into a string holding U+0001 and its
 *   text, which cannot collide with a real string unless the text spells
 *   `\u0001` itself (then the strict reader runs), and turned into a
 *   `JsonNumber` after;
 * - duplicate keys: `JSON.parse` keeps the last one, serde refuses them. The
 *   scan counts keys (strings followed by `:`); if the parsed objects hold
 *   fewer, some key repeated and the strict reader reports where;
 * - nesting: deeper than `MAX_DEPTH` goes to the strict reader.
 *
 * Syntax errors also go to the strict reader, for its error offset. The
 * strict reader's result is converted to the same plain shape, so both paths
 * give equal trees (tested on generated JSON).
 */
import { err, ok, type Result } from "../common/result.js";
import { type JsonError, JsonNumber, type JsonValue, MAX_DEPTH, parseJson } from "./json.js";

/** A parsed JSON value as plain objects and arrays. */
export type JsonTree = null | boolean | string | number | JsonNumber | readonly JsonTree[] | JsonTreeObject;
/** A JSON object (own enumerable keys only; read it with `field`). */
export interface JsonTreeObject {
  readonly [key: string]: JsonTree;
}

/** Digits allowed in a literal read as a `number`: 15 digits are always below 2^53. */
const SAFE_DIGITS = 15;
/** A number literal (RFC 8259 §6), matched at a position. */
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
/** Marks a rewritten number literal inside a string. */
const MARK = "\u0001";

/**
 * `scan`'s second answer: [start, end) of the number literals that must keep
 * their text, valid until the next scan. A scratch array rather than a result
 * object: V8 compiles `scan` on-stack while its first loop runs, before the
 * code after the loop ever ran, and building a `{keys, literals}` there then
 * deoptimised it for want of type feedback, body after body (--trace-deopt).
 */
const LITERALS: number[] = [];

/**
 * One pass over `text`: the number of object keys in it, or -1 when only the
 * strict reader can answer (too deep, or not JSON); literals in `LITERALS`.
 */
function scan(text: string): number {
  const n = text.length;
  const literals = LITERALS;
  literals.length = 0;
  let keys = 0;
  let depth = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: find its closing quote, one not preceded by an odd run of backslashes.
      let j = text.indexOf('"', i + 1);
      for (;;) {
        if (j < 0) return -1;
        let b = 0;
        while (text.charCodeAt(j - 1 - b) === 0x5c) b++;
        if ((b & 1) === 0) break;
        j = text.indexOf('"', j + 1);
      }
      i = j + 1;
      let k = i;
      for (let w = text.charCodeAt(k); w === 0x20 || w === 0x0a || w === 0x0d || w === 0x09; ) {
        k++;
        w = text.charCodeAt(k);
      }
      if (text.charCodeAt(k) === 0x3a) keys++;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > MAX_DEPTH) return -1;
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if ((c >= 0x30 && c <= 0x39) || c === 0x2d) {
      let j = i;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d < 0x30 || d > 0x39) break;
        j++;
      }
      const d = text.charCodeAt(j);
      if (c !== 0x2d && j - i <= SAFE_DIGITS && d !== 0x2e && d !== 0x65 && d !== 0x45) {
        i = j;
        continue;
      }
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (m === null) return -1;
      literals.push(i, i + m[0].length);
      i += m[0].length;
      continue;
    }
    i++;
  }
  return keys;
}

/** Count keys and turn marked strings back into `JsonNumber`s, in place. */
function settle(v: object, marked: boolean): number {
  let keys = 0;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === "object" && x !== null) keys += settle(x, marked);
      else if (marked && typeof x === "string" && x.charCodeAt(0) === 1) v[i] = new JsonNumber(x.slice(1));
    }
    return keys;
  }
  const o = v as Record<string, unknown>;
  // for-in, not Object.keys: no key array per object (JSON.parse objects
  // inherit nothing enumerable), which at 10,000 path vectors a body showed.
  for (const k in o) {
    keys++;
    const x = o[k];
    if (typeof x === "object" && x !== null) keys += settle(x, marked);
    else if (marked && typeof x === "string" && x.charCodeAt(0) === 1) o[k] = new JsonNumber(x.slice(1));
  }
  return keys;
}

/** The strict reader's value in the plain shape. */
function fromStrict(v: JsonValue): JsonTree {
  if (v instanceof JsonNumber) return /^[0-9]{1,15}$/.test(v.raw) ? Number(v.raw) : v;
  if (Array.isArray(v)) return v.map(fromStrict);
  if (v instanceof Map) {
    const o: Record<string, JsonTree> = {};
    // A data property even for "__proto__" (an assignment would set the prototype).
    for (const [k, x] of v as ReadonlyMap<string, JsonValue>)
      Object.defineProperty(o, k, {
        value: fromStrict(x),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return o;
  }
  return v as null | boolean | string;
}

/** The strict reader alone, in the plain shape (the reference `parseJsonTree` is tested against). */
export function parseJsonTreeStrict(text: string): Result<JsonTree, JsonError> {
  const r = parseJson(text);
  return r.ok ? ok(fromStrict(r.value)) : err(r.error);
}

/**
 * Parse a complete JSON text. Accepts and rejects exactly what `parseJson`
 * does, with the same error; numbers of at most 15 digits (no sign, fraction
 * or exponent) are `number`s, all others `JsonNumber`s with their text.
 */
export function parseJsonTree(text: string): Result<JsonTree, JsonError> {
  const keys = scan(text);
  if (keys < 0) return parseJsonTreeStrict(text);
  let source = text;
  const literals = LITERALS;
  const marked = literals.length > 0;
  if (marked) {
    if (/\\u0001/i.test(text)) return parseJsonTreeStrict(text);
    const parts: string[] = [];
    let at = 0;
    for (let i = 0; i < literals.length; i += 2) {
      const start = literals[i] ?? 0;
      const end = literals[i + 1] ?? 0;
      parts.push(text.slice(at, start), `"${MARK}${text.slice(start, end)}"`);
      at = end;
    }
    parts.push(text.slice(at));
    source = parts.join("");
  }
  let v: unknown;
  try {
    v = JSON.parse(source);
  } catch {
    return parseJsonTreeStrict(text);
  }
  if (typeof v === "object" && v !== null) {
    if (settle(v, marked) !== keys) return parseJsonTreeStrict(text); // a repeated key
  } else if (marked && typeof v === "string" && v.charCodeAt(0) === 1) v = new JsonNumber(v.slice(1));
  return ok(v as JsonTree);
}

/** Type guards and field access over `JsonTree`. */
export const isTreeArray = (v: JsonTree | undefined): v is readonly JsonTree[] => Array.isArray(v);
export const isTreeObject = (v: JsonTree | undefined): v is JsonTreeObject =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);

/** An own field of `o` (never one inherited from `Object.prototype`). */
export function field(o: JsonTreeObject, key: string): JsonTree | undefined {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}
