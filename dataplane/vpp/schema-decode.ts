/**
 * Decoding VPP API payloads against their layouts (maglev-vpp §6.2, §6.4).
 * Total: bytes from the socket never make it throw; every malformed payload
 * yields a typed `DecodeError` (`VPP_E_TRUNCATED`, `VPP_E_TRAILING_BYTES`,
 * `VPP_E_BAD_VALUE`).
 */
import { err, ok, type Result } from "../../protocols/common/result.js";
import { type IpAddr, ipFromBytes } from "../../protocols/lb/ip.js";
import type { FieldList, FieldType, MessageDef, MsgTableEntry, Prefix, ValueOf } from "./schema.js";

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
