/**
 * A small typed description of VPP API message layouts (maglev-vpp §6.2,
 * §6.4), so each message is declared once as data and gets both an encoder
 * and a total decoder. Big-endian throughout; `address` is `af:u8` + a
 * 16-byte union with IPv4 in the first 4 bytes; fixed strings are NUL-padded;
 * variable strings are `u32 length` + bytes.
 *
 * This file holds the layout vocabulary and `message()`; the codecs are in
 * `schema-encode.ts` (may throw on a programmer error, e.g. a u8 of 300) and
 * `schema-decode.ts` (total: bytes from the socket never throw, a typed code
 * says why they do not decode). Both are re-exported here.
 */
import type { IpAddr } from "../../protocols/lb/ip.js";

export { type Decoded, type DecodeError, decodeMessage, peekMsgId } from "./schema-decode.js";
export { encodeMessage } from "./schema-encode.js";

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
