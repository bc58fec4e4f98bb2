import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ip } from "../../../protocols/lb/ip.js";
import { encodeFrame, FrameReader } from "../../../dataplane/vpp/framing.js";
import * as M from "../../../dataplane/vpp/messages.js";
import {
  decodeMessage,
  encodeMessage,
  type FieldType,
  type MessageDef,
  type FieldList,
} from "../../../dataplane/vpp/schema.js";

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");
const V4 = { address: ip("203.0.113.1"), len: 32 };

/** Fixed sizes from maglev-vpp §6.4 (variable-length messages at their empty size). */
const SIZES: Record<string, number> = {
  lb_conf: 38,
  lb_conf_reply: 10,
  lb_conf_get: 10,
  lb_conf_get_reply: 38,
  lb_add_del_vip_v2: 50,
  lb_add_del_vip_v2_reply: 10,
  lb_add_del_vip: 49,
  lb_add_del_vip_reply: 10,
  lb_add_del_as_v2: 51,
  lb_add_del_as_v2_reply: 10,
  lb_as_set_weight: 50,
  lb_as_set_weight_reply: 10,
  lb_add_del_as: 50,
  lb_add_del_as_reply: 10,
  lb_vip_dump: 33,
  lb_vip_details: 40,
  lb_as_v2_dump: 31,
  lb_as_v2_details: 54,
  lb_as_dump: 31,
  lb_as_details: 49,
  lb_flush_vip: 31,
  lb_flush_vip_reply: 10,
  control_ping: 10,
  control_ping_reply: 18,
  sockclnt_create: 70,
  sockclnt_create_reply: 20,
  sockclnt_delete: 14,
  sockclnt_delete_reply: 10,
  cli_inband: 14,
  cli_inband_reply: 14,
  show_version: 10,
  show_version_reply: 362,
  memclnt_keepalive: 10,
  memclnt_keepalive_reply: 10,
};

function arb(t: FieldType): fc.Arbitrary<unknown> {
  if (typeof t === "object")
    return fc.string({ unit: "grapheme-ascii", maxLength: t.string - 1 }).filter((s) => !s.includes("\0"));
  const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => ip(b.join(".")));
  const v6 = fc
    .array(fc.nat(0xffff), { minLength: 8, maxLength: 8 })
    .map((g) => ip(g.map((x) => x.toString(16)).join(":")));
  const pfx = fc.oneof(
    fc.record({ address: v4, len: fc.nat(32) }),
    fc.record({ address: v6, len: fc.nat(128) }),
  );
  switch (t) {
    case "u8":
      return fc.nat(0xff);
    case "u16":
      return fc.nat(0xffff);
    case "u32":
      return fc.nat(0xffffffff);
    case "i32":
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case "bool":
      return fc.boolean();
    case "ip4":
      return v4;
    case "ip6":
      return v6;
    case "address":
      return fc.oneof(v4, v6);
    case "prefix":
      return pfx;
    case "lb_vip":
      return fc.record({ pfx, protocol: fc.nat(255), port: fc.nat(0xffff) });
    case "vstring":
      return fc.string({ maxLength: 300 });
    case "msg_table":
      return fc.array(fc.record({ index: fc.nat(0xffff), name: fc.stringMatching(/^[a-z_0-9]{1,63}$/) }), {
        maxLength: 5,
      });
    default:
      throw new Error("unreachable");
  }
}

function arbValue(def: MessageDef<FieldList>): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(Object.fromEntries(def.fields.map(([n, t]) => [n, arb(t)])));
}

describe("vpp message layouts (§6.4)", () => {
  it("declares every message with the spec's CRC-keyed name", () => {
    assert.equal(M.LbAsSetWeight.nameCrc, "lb_as_set_weight_2d89bdbd");
    assert.equal(M.LbAddDelAsV2.nameCrc, "lb_add_del_as_v2_2f1d3b0e");
    assert.equal(M.LbAsV2Dump.nameCrc, "lb_as_v2_dump_1063f819");
    assert.equal(M.LbAsV2Details.nameCrc, "lb_as_v2_details_90064aae");
    assert.equal(M.LbConfGet.nameCrc, "lb_conf_get_51077d14");
    assert.equal(M.LbConfGetReply.nameCrc, "lb_conf_get_reply_923427ac");
    assert.equal(M.LbAddDelVipV2.nameCrc, "lb_add_del_vip_v2_7c520e0f");
    assert.equal(new Set(M.ALL_MESSAGES.map((m) => m.name)).size, M.ALL_MESSAGES.length);
  });
  for (const def of M.ALL_MESSAGES) {
    it(`${def.name} encodes to ${SIZES[def.name]} bytes when empty and round-trips`, () => {
      const sample = fc.sample(arbValue(def), { numRuns: 1, seed: 42 })[0]!;
      const empty = Object.fromEntries(
        Object.entries(sample).map(([k, v]) => [
          k,
          typeof v === "string" && def.fields.some(([n, t]) => n === k && t === "vstring")
            ? ""
            : Array.isArray(v)
              ? []
              : v,
        ]),
      );
      assert.equal(encodeMessage(def, 0x1234, empty as never).length, SIZES[def.name]);
      fc.assert(
        fc.property(arbValue(def), fc.nat(0xffff), (v, id) => {
          const bytes = encodeMessage(def, id, v as never);
          const r = decodeMessage(def, bytes);
          assert.ok(r.ok);
          assert.equal(r.value.msgId, id);
          assert.deepEqual(r.value.value, JSON.parse(JSON.stringify(v)));
        }),
        { numRuns: 40 },
      );
    });
  }
  it("records where the context sits for error routing", () => {
    assert.equal(M.LbConfReply.contextOffset, 2);
    assert.equal(M.LbConf.contextOffset, 6);
    assert.equal(M.SockclntCreateReply.contextOffset, 6);
    assert.equal(M.SockclntCreate.contextOffset, 2);
  });
});

describe("vpp golden bytes (§6.6.1)", () => {
  it("sockclnt_create, framed, context 123, name vpp-maglev", () => {
    const frame = encodeFrame(
      encodeMessage(M.SockclntCreate, M.SOCKCLNT_CREATE_ID, { context: 123, name: "vpp-maglev" }),
    );
    const want = Buffer.concat([
      hex("00000000 00000000 00000046 00000000"),
      hex("000f 0000007b 7670702d6d61676c6576"),
      Buffer.alloc(64 - 10),
    ]);
    assert.deepEqual(frame, want);
  });
  it("lb_as_set_weight VIP 203.0.113.1/32 tcp/80, AS 198.51.100.10, weight 0, flush", () => {
    const payload = encodeMessage(M.LbAsSetWeight, 0x0234, {
      client_index: 1,
      context: 7,
      pfx: V4,
      protocol: 6,
      port: 80,
      as_address: ip("198.51.100.10"),
      weight: 0,
      is_flush: true,
    });
    assert.deepEqual(
      encodeFrame(payload),
      hex(`00000000 00000000 00000032 00000000
           0234 00000001 00000007
           00 cb007101 000000000000000000000000 20
           06 0050
           00 c633640a 000000000000000000000000
           00 01`),
    );
  });
  it("lb_add_del_vip_v2 for 2001:db8::1 tcp/443, GRE4, 1024 buckets, sticky (ours)", () => {
    const b = encodeMessage(M.LbAddDelVipV2, 0x0300, {
      client_index: 5,
      context: 0x01020304,
      pfx: { address: ip("2001:db8::1"), len: 128 },
      protocol: 6,
      port: 443,
      encap: M.ENCAP_WIRE.gre4,
      dscp: 0,
      type: 0,
      target_port: 0,
      node_port: 0,
      new_flows_table_length: 1024,
      src_ip_sticky: true,
      is_del: false,
    });
    assert.deepEqual(
      b,
      hex(`0300 00000005 01020304
           01 20010db8000000000000000000000001 80
           06 01bb
           00000000 00 00000000 0000 0000
           00000400
           01 00`),
    );
  });
  it("lb_as_v2_details decodes an IPv6 AS with flags, weight and buckets (ours)", () => {
    const b = hex(`0411 0000002a
                   00 c0000201 000000000000000000000000 20 11 0035
                   01 20010db8000100000000000000000010
                   01 00000e10 64 00000200`);
    const r = decodeMessage(M.LbAsV2Details, b);
    assert.ok(r.ok);
    assert.deepEqual(r.value.value, {
      context: 42,
      vip: { pfx: { address: ip("192.0.2.1"), len: 32 }, protocol: 17, port: 53 },
      app_srv: ip("2001:db8:1::10"),
      flags: 1,
      in_use_since: 3600,
      weight: 100,
      num_buckets: 512,
    });
  });
  it("sockclnt_create_reply with a two-entry table (ours)", () => {
    const b = encodeMessage(M.SockclntCreateReply, 16, {
      client_index: 0,
      context: 9,
      response: 0,
      index: 3,
      message_table: [
        { index: 23, name: "control_ping_51077d14" },
        { index: 600, name: "lb_as_set_weight_2d89bdbd" },
      ],
    });
    assert.equal(b.length, 20 + 2 * 66);
    assert.deepEqual(b.subarray(18, 22), hex("0002 0017"));
    assert.equal(b.subarray(22, 22 + 21).toString(), "control_ping_51077d14");
  });
});

describe("vpp decoders are total", () => {
  it("reports truncation at every length with the field name, never throwing", () => {
    const full = encodeMessage(M.LbAsV2Details, 1, {
      context: 1,
      vip: { pfx: V4, protocol: 6, port: 80 },
      app_srv: ip("10.0.0.1"),
      flags: 1,
      in_use_since: 0,
      weight: 1,
      num_buckets: 2,
    });
    for (let n = 0; n < full.length; n++) {
      const r = decodeMessage(M.LbAsV2Details, full.subarray(0, n));
      assert.ok(!r.ok && r.error.code === "VPP_E_TRUNCATED", `length ${n}`);
    }
    const long = decodeMessage(M.LbAsV2Details, Buffer.concat([full, Buffer.from([0])]));
    assert.ok(!long.ok && long.error.code === "VPP_E_TRAILING_BYTES");
  });
  it("rejects a bad address family and a non-boolean bool", () => {
    const ok = encodeMessage(M.LbAsSetWeight, 1, {
      client_index: 0,
      context: 0,
      pfx: V4,
      protocol: 6,
      port: 80,
      as_address: ip("10.0.0.1"),
      weight: 0,
      is_flush: false,
    });
    const badAf = Buffer.from(ok);
    badAf[10] = 7;
    const r1 = decodeMessage(M.LbAsSetWeight, badAf);
    assert.ok(!r1.ok && r1.error.code === "VPP_E_BAD_VALUE" && r1.error.field === "pfx");
    const badBool = Buffer.from(ok);
    badBool[49] = 2;
    const r2 = decodeMessage(M.LbAsSetWeight, badBool);
    assert.ok(!r2.ok && r2.error.code === "VPP_E_BAD_VALUE" && r2.error.field === "is_flush");
  });
  it("never throws on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.constantFrom(...M.ALL_MESSAGES), (bytes, def) => {
        decodeMessage(def, Buffer.from(bytes));
      }),
      { numRuns: 500 },
    );
  });
});

describe("vpp framing (§6.6)", () => {
  it("reassembles frames split at every byte and several frames per chunk", () => {
    const a = Buffer.from("hello");
    const b = Buffer.alloc(300, 7);
    const stream = Buffer.concat([encodeFrame(a), encodeFrame(b), encodeFrame(Buffer.alloc(0))]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const fr = new FrameReader();
      const r1 = fr.push(stream.subarray(0, cut));
      const r2 = fr.push(stream.subarray(cut));
      assert.ok(r1.ok && r2.ok);
      assert.deepEqual([...r1.value, ...r2.value], [a, b, Buffer.alloc(0)]);
      assert.equal(fr.pending, 0);
    }
  });
  it("refuses an absurd length instead of buffering it", () => {
    const fr = new FrameReader();
    const h = Buffer.alloc(16);
    h.writeUInt32BE(0xffffffff, 8);
    const r = fr.push(h);
    assert.ok(!r.ok && r.error.code === "VPP_E_FRAME_TOO_LARGE");
  });
});
