/**
 * A small strict JSON reader for exchange bodies. `JSON.parse` is not enough:
 * tunnel metrics are u64 and mgd sends u64::MAX (spec §1.3), which a double
 * cannot hold, and Node 20 has no access to a number's source text. So numbers
 * keep their literal text and objects are `Map`s (duplicate keys rejected, as
 * serde does for struct fields). Total: returns a typed error, never throws;
 * nesting is bounded so hostile input cannot exhaust the stack.
 *
 * Grammar: RFC 8259 §2–§7.
 */
import { err, ok, type Result } from "../common/result.js";

/** A JSON number, kept as its literal text. */
export class JsonNumber {
  constructor(readonly raw: string) {}
}

/** A parsed JSON value. */
export type JsonValue = null | boolean | string | JsonNumber | readonly JsonValue[] | JsonObject;
/** A JSON object; insertion order is source order. */
export type JsonObject = ReadonlyMap<string, JsonValue>;

/** Why text is not acceptable JSON. */
export interface JsonError {
  readonly code: "JSON_SYNTAX" | "JSON_TOO_DEEP" | "JSON_DUPLICATE_KEY";
  readonly offset: number;
}

/** Deepest nesting accepted; exchange bodies need 5. */
export const MAX_DEPTH = 32;

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

class Reader {
  pos = 0;
  failure: JsonError | null = null;
  constructor(readonly text: string) {}

  fail(code: JsonError["code"]): undefined {
    this.failure ??= { code, offset: this.pos };
    return undefined;
  }

  ws(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else return;
    }
  }

  value(depth: number): JsonValue | undefined {
    if (depth > MAX_DEPTH) return this.fail("JSON_TOO_DEEP");
    this.ws();
    const c = this.text[this.pos];
    switch (c) {
      case "{":
        return this.object(depth);
      case "[":
        return this.array(depth);
      case '"':
        return this.string();
      case "t":
        return this.word("true", true);
      case "f":
        return this.word("false", false);
      case "n":
        return this.word("null", null);
      default: {
        NUMBER.lastIndex = this.pos;
        const m = NUMBER.exec(this.text);
        if (m === null) return this.fail("JSON_SYNTAX");
        this.pos += m[0].length;
        return new JsonNumber(m[0]);
      }
    }
  }

  word<T extends boolean | null>(w: string, v: T): T | undefined {
    if (!this.text.startsWith(w, this.pos)) return this.fail("JSON_SYNTAX");
    this.pos += w.length;
    return v;
  }

  string(): string | undefined {
    this.pos++; // opening quote
    let out = "";
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (Number.isNaN(c) || c < 0x20) return this.fail("JSON_SYNTAX");
      if (c === 0x22) {
        this.pos++;
        return out;
      }
      if (c !== 0x5c) {
        out += this.text[this.pos];
        this.pos++;
        continue;
      }
      const e = this.text[this.pos + 1];
      this.pos += 2;
      switch (e) {
        case '"':
        case "\\":
        case "/":
          out += e;
          break;
        case "b":
          out += "\b";
          break;
        case "f":
          out += "\f";
          break;
        case "n":
          out += "\n";
          break;
        case "r":
          out += "\r";
          break;
        case "t":
          out += "\t";
          break;
        case "u": {
          const hex = this.text.slice(this.pos, this.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) return this.fail("JSON_SYNTAX");
          out += String.fromCharCode(Number.parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        default:
          this.pos -= 2;
          return this.fail("JSON_SYNTAX");
      }
    }
  }

  array(depth: number): JsonValue[] | undefined {
    this.pos++;
    const out: JsonValue[] = [];
    this.ws();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return out;
    }
    for (;;) {
      const v = this.value(depth + 1);
      if (v === undefined) return undefined;
      out.push(v);
      this.ws();
      const c = this.text[this.pos++];
      if (c === "]") return out;
      if (c !== ",") {
        this.pos--;
        return this.fail("JSON_SYNTAX");
      }
    }
  }

  object(depth: number): Map<string, JsonValue> | undefined {
    this.pos++;
    const out = new Map<string, JsonValue>();
    this.ws();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.text[this.pos] !== '"') return this.fail("JSON_SYNTAX");
      const keyAt = this.pos;
      const k = this.string();
      if (k === undefined) return undefined;
      this.ws();
      if (this.text[this.pos] !== ":") return this.fail("JSON_SYNTAX");
      this.pos++;
      const v = this.value(depth + 1);
      if (v === undefined) return undefined;
      if (out.has(k)) {
        this.pos = keyAt;
        return this.fail("JSON_DUPLICATE_KEY");
      }
      out.set(k, v);
      this.ws();
      const c = this.text[this.pos++];
      if (c === "}") return out;
      if (c !== ",") {
        this.pos--;
        return this.fail("JSON_SYNTAX");
      }
    }
  }
}

/** Parse a complete JSON text (only whitespace may follow the value). */
export function parseJson(text: string): Result<JsonValue, JsonError> {
  const r = new Reader(text);
  const v = r.value(0);
  if (v === undefined) return err(r.failure ?? { code: "JSON_SYNTAX", offset: r.pos });
  r.ws();
  if (r.pos !== text.length) return err({ code: "JSON_SYNTAX", offset: r.pos });
  return ok(v);
}

/** Type guards over `JsonValue`. */
export const isObject = (v: JsonValue | undefined): v is JsonObject => v instanceof Map;
export const isArray = (v: JsonValue | undefined): v is readonly JsonValue[] => Array.isArray(v);

/** Quote a string as JSON. */
export function quote(s: string): string {
  return JSON.stringify(s);
}
