/**
 * Encoding VPP API messages from their layouts (maglev-vpp §6.2): big-endian
 * integers, `address` as `af:u8` + a 16-byte union, NUL-padded fixed strings,
 * `u32 length` + bytes for variable strings. Encoding our own values may
 * throw: a wrong type or a string too long for its field is a programmer
 * error, not network input.
 */
import { type IpAddr, ipBytes, ipFamily } from "../../protocols/lb/ip.js";
import type {
  FieldList,
  FieldType,
  LbVipWire,
  MessageDef,
  MsgTableEntry,
  Prefix,
  ValueOf,
} from "./schema.js";

class Writer {
  readonly parts: Buffer[] = [];
  bytes(b: Uint8Array): void {
    this.parts.push(Buffer.from(b));
  }
  uint(n: number, size: 1 | 2 | 4): void {
    const b = Buffer.alloc(size);
    if (size === 1) b.writeUInt8(n);
    else if (size === 2) b.writeUInt16BE(n);
    else b.writeUInt32BE(n);
    this.parts.push(b);
  }
}

function writeAddress(w: Writer, a: IpAddr): void {
  const fam = ipFamily(a);
  const u = new Uint8Array(16);
  u.set(ipBytes(a), 0);
  w.uint(fam === 4 ? 0 : 1, 1);
  w.bytes(u);
}

function writePrefix(w: Writer, p: Prefix): void {
  writeAddress(w, p.address);
  w.uint(p.len, 1);
}

function writeFixedString(w: Writer, s: string, n: number): void {
  const b = Buffer.from(s, "utf8");
  if (b.length >= n) throw new Error(`string of ${b.length} bytes does not fit char[${n}]`);
  const out = Buffer.alloc(n);
  b.copy(out);
  w.bytes(out);
}

function expect<T>(v: unknown, check: (x: unknown) => x is T, what: string): T {
  if (!check(v)) throw new Error(`encode: ${what} has the wrong type`);
  return v;
}
const isNum = (x: unknown): x is number => typeof x === "number";
const isStr = (x: unknown): x is string => typeof x === "string";
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null;

function writeField(w: Writer, t: FieldType, v: unknown, name: string): void {
  if (typeof t === "object") {
    writeFixedString(w, expect(v, isStr, name), t.string);
    return;
  }
  switch (t) {
    case "u8":
      w.uint(expect(v, isNum, name), 1);
      return;
    case "u16":
      w.uint(expect(v, isNum, name), 2);
      return;
    case "u32":
      w.uint(expect(v, isNum, name), 4);
      return;
    case "i32": {
      const b = Buffer.alloc(4);
      b.writeInt32BE(expect(v, isNum, name));
      w.bytes(b);
      return;
    }
    case "bool":
      w.uint(v === true ? 1 : 0, 1);
      return;
    case "ip4":
    case "ip6": {
      const a = expect(v, isStr, name) as IpAddr;
      if (ipFamily(a) !== (t === "ip4" ? 4 : 6)) throw new Error(`encode: ${name} is not ${t}`);
      w.bytes(ipBytes(a));
      return;
    }
    case "address":
      writeAddress(w, expect(v, isStr, name) as IpAddr);
      return;
    case "prefix":
      writePrefix(w, expect(v, isObj, name) as unknown as Prefix);
      return;
    case "lb_vip": {
      const vip = expect(v, isObj, name) as unknown as LbVipWire;
      writePrefix(w, vip.pfx);
      w.uint(vip.protocol, 1);
      w.uint(vip.port, 2);
      return;
    }
    case "vstring": {
      const b = Buffer.from(expect(v, isStr, name), "utf8");
      w.uint(b.length, 4);
      w.bytes(b);
      return;
    }
    case "msg_table": {
      const rows = v as readonly MsgTableEntry[];
      w.uint(rows.length, 2);
      for (const r of rows) {
        w.uint(r.index, 2);
        writeFixedString(w, r.name, 64);
      }
      return;
    }
    default:
      throw new Error(`unknown field type ${String(t)}`);
  }
}

/** Encode a message payload (without the frame header) with the given message id. */
export function encodeMessage<F extends FieldList>(
  def: MessageDef<F>,
  msgId: number,
  value: ValueOf<F>,
): Buffer {
  const w = new Writer();
  w.uint(msgId, 2);
  const rec = value as unknown as Record<string, unknown>;
  for (const [name, t] of def.fields) writeField(w, t, rec[name], name);
  return Buffer.concat(w.parts);
}
