/**
 * A small typed description of VPP API message layouts (maglev-vpp §6.2,
 * §6.4), so each message is declared once as data and gets both an encoder
 * and a total decoder. Big-endian throughout; `address` is `af:u8` + a
 * 16-byte union with IPv4 in the first 4 bytes; fixed strings are NUL-padded;
 * variable strings are `u32 length` + bytes.
 *
 * Encoding our own values may throw (a programmer error, e.g. a u8 of 300);
 * decoding bytes from the socket never throws and reports a typed code.
 */
import { err, ok, type Result } from "../../protocols/common/result.js";
import { type IpAddr, ipBytes, ipFamily, ipFromBytes } from "../../protocols/lb/ip.js";

/** A fixed `char name[n]`. */
export interface FixedString {
  readonly string: number;
}

/** Field encodings used by the messages we speak. */
export type FieldType =
  | "u8"
  | "u16"
  | "u32"
  | "i32"
  | "bool"
  | "ip4"
  | "ip6"
  | "address"
  | "prefix"
  | "lb_vip"
  | "vstring"
  | "msg_table"
  | FixedString;

/** `vl_api_prefix_t` / `address_with_prefix`. */
export interface Prefix {
  readonly address: IpAddr;
  readonly len: number;
}

/** `vl_api_lb_vip_t`: the VIP identity carried inside LB details. */
export interface LbVipWire {
  readonly pfx: Prefix;
  readonly protocol: number;
  readonly port: number;
}

/** One `{u16 index, char name[64]}` entry of the `sockclnt_create_reply` table. */
export interface MsgTableEntry {
  readonly index: number;
  readonly name: string;
}

/** The TypeScript value of a field type. */
export type FieldValue<T extends FieldType> = T extends "u8" | "u16" | "u32" | "i32"
  ? number
  : T extends "bool"
    ? boolean
    : T extends "ip4" | "ip6" | "address"
      ? IpAddr
      : T extends "prefix"
        ? Prefix
        : T extends "lb_vip"
          ? LbVipWire
          : T extends "vstring"
            ? string
            : T extends "msg_table"
              ? readonly MsgTableEntry[]
              : T extends FixedString
                ? string
                : never;

/** Ordered `[name, type]` pairs after the leading `u16 _vl_msg_id`. */
export type FieldList = readonly (readonly [string, FieldType])[];

/** The value object of a message. */
export type ValueOf<F extends FieldList> = { readonly [E in F[number] as E[0]]: FieldValue<E[1]> };

/** A message layout: `name`, CRC and fields; `nameCrc` is the message-table key (§6.4). */
export interface MessageDef<F extends FieldList = FieldList> {
  readonly name: string;
  readonly crc: string;
  readonly nameCrc: string;
  readonly fields: F;
  /** Byte offset of `context` when all fields before it are fixed-size (for error routing). */
  readonly contextOffset: number | undefined;
}

const FIXED_SIZE: Partial<Record<Exclude<FieldType, FixedString>, number>> = {
  u8: 1,
  u16: 2,
  u32: 4,
  i32: 4,
  bool: 1,
  ip4: 4,
  ip6: 16,
  address: 17,
  prefix: 18,
  lb_vip: 21,
};

function fixedSize(t: FieldType): number | undefined {
  return typeof t === "object" ? t.string : FIXED_SIZE[t];
}

/** Declare a message. */
export function message<const F extends FieldList>(name: string, crc: string, fields: F): MessageDef<F> {
  let off = 2;
  let contextOffset: number | undefined;
  for (const [n, t] of fields) {
    if (n === "context") {
      contextOffset = off;
      break;
    }
    const s = fixedSize(t);
    if (s === undefined) break;
    off += s;
  }
  return { name, crc, nameCrc: `${name}_${crc}`, fields, contextOffset };
}

// ---------------------------------------------------------------- encoding

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

// ---------------------------------------------------------------- decoding

/** Why a payload does not decode. */
export type DecodeError =
  | {
      readonly code: "VPP_E_TRUNCATED";
      readonly message: string;
      readonly field: string;
      readonly offset: number;
    }
  | { readonly code: "VPP_E_TRAILING_BYTES"; readonly message: string; readonly extra: number }
  | {
      readonly code: "VPP_E_BAD_VALUE";
      readonly message: string;
      readonly field: string;
      readonly offset: number;
    };

class Truncated {
  constructor(readonly offset: number) {}
}
class BadValue {
  constructor(readonly offset: number) {}
}

class Reader {
  off = 0;
  constructor(readonly b: Buffer) {}
  need(n: number): void {
    if (this.off + n > this.b.length) throw new Truncated(this.off);
  }
  u8(): number {
    this.need(1);
    return this.b.readUInt8(this.off++);
  }
  u16(): number {
    this.need(2);
    const v = this.b.readUInt16BE(this.off);
    this.off += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.b.readUInt32BE(this.off);
    this.off += 4;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.b.readInt32BE(this.off);
    this.off += 4;
    return v;
  }
  take(n: number): Buffer {
    this.need(n);
    const v = this.b.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }
}

function readAddress(r: Reader): IpAddr {
  const at = r.off;
  const af = r.u8();
  const u = r.take(16);
  if (af === 0) return ipFromBytes(u.subarray(0, 4));
  if (af === 1) return ipFromBytes(u);
  throw new BadValue(at);
}

function readPrefix(r: Reader): Prefix {
  const address = readAddress(r);
  const at = r.off;
  const len = r.u8();
  // IPv4 lengths up to 128 are tolerated: VPP keeps IPv4 VIPs as ip46 with +96 internally (§6.2).
  if (len > 128) throw new BadValue(at);
  return { address, len };
}

function readFixedString(r: Reader, n: number): string {
  const raw = r.take(n);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? n : nul).toString("utf8");
}

function readField(r: Reader, t: FieldType): unknown {
  if (typeof t === "object") return readFixedString(r, t.string);
  switch (t) {
    case "u8":
      return r.u8();
    case "u16":
      return r.u16();
    case "u32":
      return r.u32();
    case "i32":
      return r.i32();
    case "bool": {
      const at = r.off;
      const v = r.u8();
      if (v > 1) throw new BadValue(at);
      return v === 1;
    }
    case "ip4":
      return ipFromBytes(r.take(4));
    case "ip6":
      return ipFromBytes(r.take(16));
    case "address":
      return readAddress(r);
    case "prefix":
      return readPrefix(r);
    case "lb_vip":
      return { pfx: readPrefix(r), protocol: r.u8(), port: r.u16() };
    case "vstring":
      return r.take(r.u32()).toString("utf8");
    case "msg_table": {
      const count = r.u16();
      const rows: MsgTableEntry[] = [];
      for (let i = 0; i < count; i++) rows.push({ index: r.u16(), name: readFixedString(r, 64) });
      return rows;
    }
    default:
      throw new Error(`unknown field type ${String(t)}`);
  }
}

/** A decoded message: its id and typed value. */
export interface Decoded<F extends FieldList> {
  readonly msgId: number;
  readonly value: ValueOf<F>;
}

/** Decode a payload as `def`. Total: every malformed input yields a typed error. */
export function decodeMessage<F extends FieldList>(
  def: MessageDef<F>,
  payload: Buffer,
): Result<Decoded<F>, DecodeError> {
  const r = new Reader(payload);
  let field = "_vl_msg_id";
  try {
    const msgId = r.u16();
    const out: Record<string, unknown> = {};
    for (const [name, t] of def.fields) {
      field = name;
      out[name] = readField(r, t);
    }
    if (r.off !== payload.length) {
      return err({ code: "VPP_E_TRAILING_BYTES", message: def.name, extra: payload.length - r.off });
    }
    return ok({ msgId, value: out as ValueOf<F> });
  } catch (e: unknown) {
    if (e instanceof Truncated)
      return err({ code: "VPP_E_TRUNCATED", message: def.name, field, offset: e.offset });
    if (e instanceof BadValue)
      return err({ code: "VPP_E_BAD_VALUE", message: def.name, field, offset: e.offset });
    throw e;
  }
}

/** Read the u16 message id of a payload, if it has one. */
export function peekMsgId(payload: Buffer): number | undefined {
  return payload.length >= 2 ? payload.readUInt16BE(0) : undefined;
}
