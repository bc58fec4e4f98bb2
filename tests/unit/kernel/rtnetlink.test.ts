import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { RTPROT_MAGNETITE } from "../../../dataplane/kernel/constants.js";
import { HOST_LE } from "../../../dataplane/kernel/netlink.js";
import {
  decodeReplies,
  encodeDeleteRoute,
  encodeDumpRoutes,
  encodeReplaceRoute,
  type KernelRoute,
  type RouteReply,
} from "../../../dataplane/kernel/rtnetlink.js";
import { DELETE_ESRCH, DUMP_DATAGRAM_1, DUMP_DATAGRAM_2 } from "./captured.js";
import { hex } from "./hex.js";

const bytes = (r: { ok: true; value: Uint8Array } | { ok: false; error: unknown }): Uint8Array => {
  if (!r.ok) throw new Error(`encode failed: ${String(r.error)}`);
  return r.value;
};
const replies = (b: Uint8Array): RouteReply[] => {
  const r = decodeReplies(b);
  if (!r.ok) throw new Error(`decode failed: ${r.error.code} at ${r.error.offset}`);
  return r.value;
};

// Every golden below was also sent to Linux 6.18 in a scratch namespace and acknowledged.
describe("rtnetlink requests: golden bytes from the kernel struct layouts (little-endian host)", () => {
  it("runs on a little-endian host, which the goldens assume", () => {
    assert.equal(HOST_LE, true);
  });

  it("encodes a single-path IPv6 replace as RTA_DST, RTA_TABLE, RTA_PRIORITY, RTA_GATEWAY, RTA_OIF", () => {
    const got = encodeReplaceRoute(
      {
        family: 6,
        dst: "fd00:1::",
        dstLen: 64,
        priority: 1024,
        nexthops: [{ gateway: "fe80::2", ifIndex: 3, weight: 1 }],
      },
      1,
    );
    const want = hex(`
      5c000000 1800 0505 01000000 00000000  # nlmsghdr: len 92, RTM_NEWROUTE, REQUEST|ACK|REPLACE|CREATE, seq 1, pid 0
      0a 40 00 00 fe dd 00 01 00000000      # rtmsg: AF_INET6, /64, src 0, tos 0, main, proto 221, universe, unicast, flags 0
      1400 0100 fd000001000000000000000000000000  # RTA_DST fd00:1::
      0800 0f00 fe000000                    # RTA_TABLE 254
      0800 0600 00040000                    # RTA_PRIORITY 1024
      1400 0500 fe800000000000000000000000000002  # RTA_GATEWAY fe80::2
      0800 0400 03000000                    # RTA_OIF 3
    `);
    assert.deepEqual(bytes(got), want);
  });

  it("encodes an ECMP set as RTA_MULTIPATH with one rtnexthop and RTA_GATEWAY per nexthop", () => {
    const got = encodeReplaceRoute(
      {
        family: 6,
        dst: "fd00:2::",
        dstLen: 64,
        nexthops: [
          { gateway: "fe80::2", ifIndex: 3, weight: 1 },
          { gateway: "fe80::3", ifIndex: 5, weight: 2 },
        ],
      },
      2,
    );
    const want = hex(`
      74000000 1800 0505 02000000 00000000  # nlmsghdr: len 116
      0a 40 00 00 fe dd 00 01 00000000      # rtmsg
      1400 0100 fd000002000000000000000000000000  # RTA_DST fd00:2::
      0800 0f00 fe000000                    # RTA_TABLE 254
      3c00 0900                             # RTA_MULTIPATH, len 60
        1c00 00 00 03000000                 #   rtnexthop: len 28, flags 0, hops 0 (weight 1), ifindex 3
        1400 0500 fe800000000000000000000000000002  # RTA_GATEWAY fe80::2
        1c00 00 01 05000000                 #   rtnexthop: len 28, hops 1 (weight 2), ifindex 5
        1400 0500 fe800000000000000000000000000003  # RTA_GATEWAY fe80::3
    `);
    assert.deepEqual(bytes(got), want);
  });

  it("encodes an IPv4 device route in a table above 255 via RT_TABLE_COMPAT and RTA_TABLE", () => {
    const got = encodeReplaceRoute(
      {
        family: 4,
        dst: "10.9.0.0",
        dstLen: 16,
        table: 1000,
        nexthops: [{ gateway: null, ifIndex: 5, weight: 1 }],
      },
      3,
    );
    const want = hex(`
      34000000 1800 0505 03000000 00000000  # nlmsghdr: len 52
      02 10 00 00 fc dd 00 01 00000000      # rtmsg: AF_INET, /16, table 252 (compat), proto 221
      0800 0100 0a090000                    # RTA_DST 10.9.0.0
      0800 0f00 e8030000                    # RTA_TABLE 1000
      0800 0400 05000000                    # RTA_OIF 5
    `);
    assert.deepEqual(bytes(got), want);
  });

  it("encodes a delete with REQUEST|ACK and no nexthops, so the whole route goes", () => {
    const want = hex(`
      38000000 1900 0500 04000000 00000000  # RTM_DELROUTE, REQUEST|ACK
      0a 40 00 00 fe dd 00 01 00000000
      1400 0100 fd000009000000000000000000000000
      0800 0f00 fe000000
    `);
    assert.deepEqual(bytes(encodeDeleteRoute({ family: 6, dst: "fd00:9::", dstLen: 64 }, 4)), want);
  });

  it("encodes a dump request as RTM_GETROUTE, REQUEST|DUMP and a family-only rtmsg", () => {
    assert.deepEqual(
      encodeDumpRoutes(6, 5),
      hex("1c000000 1a00 0103 05000000 00000000  0a 00 00 00 00 00 00 00 00000000"),
    );
  });

  it("omits RTA_DST for a default route", () => {
    const b = bytes(
      encodeReplaceRoute(
        { family: 6, dst: "::", dstLen: 0, nexthops: [{ gateway: "fe80::1", ifIndex: 2, weight: 1 }] },
        9,
      ),
    );
    const r = replies(b)[0];
    assert.ok(r?.kind === "route");
    assert.equal(r.route.dst, "::");
    assert.equal(b.length, 16 + 12 + 8 + 20 + 8);
  });

  it("rejects bad addresses, prefix lengths and weights", () => {
    const base = {
      family: 6 as const,
      dst: "fd00::",
      dstLen: 64,
      nexthops: [{ gateway: "fe80::1", ifIndex: 2, weight: 1 }],
    };
    assert.deepEqual(encodeReplaceRoute({ ...base, dst: "10.0.0.0" }, 1), {
      ok: false,
      error: "NL_E_BAD_ADDRESS",
    });
    assert.deepEqual(encodeReplaceRoute({ ...base, dstLen: 129 }, 1), {
      ok: false,
      error: "NL_E_BAD_PREFIX_LEN",
    });
    assert.deepEqual(
      encodeReplaceRoute({ ...base, nexthops: [{ gateway: "x", ifIndex: 2, weight: 1 }] }, 1),
      {
        ok: false,
        error: "NL_E_BAD_ADDRESS",
      },
    );
    assert.deepEqual(
      encodeReplaceRoute({ ...base, nexthops: [{ gateway: null, ifIndex: 2, weight: 0 }] }, 1),
      {
        ok: false,
        error: "NL_E_BAD_WEIGHT",
      },
    );
    // 3,000 gateways (28 bytes each) do not fit one 64 KiB datagram.
    const many = Array.from({ length: 3000 }, (_, i) => ({
      gateway: `fe80::${(i + 1).toString(16)}`,
      ifIndex: 2,
      weight: 1,
    }));
    assert.deepEqual(encodeReplaceRoute({ ...base, nexthops: many }, 1), {
      ok: false,
      error: "NL_E_TOO_LARGE",
    });
  });
});

describe("rtnetlink replies", () => {
  it("decodes a captured kernel dump, including our single-path and multipath routes", () => {
    const rs = replies(hex(DUMP_DATAGRAM_1));
    const routes = rs.flatMap((r) => (r.kind === "route" ? [r.route] : []));
    assert.equal(routes.length, rs.length, "a dump datagram holds only routes");
    const ours = routes.filter((r) => r.protocol === RTPROT_MAGNETITE);
    assert.deepEqual(ours, [
      {
        family: 6,
        dst: "fd00:1::",
        dstLen: 64,
        table: 254,
        protocol: 221,
        priority: 1024,
        scope: 0,
        type: 1,
        nexthops: [{ gateway: "fe80::2", ifIndex: 3, weight: 1 }],
        nhId: null,
      },
      {
        family: 6,
        dst: "fd00:2::",
        dstLen: 64,
        table: 254,
        protocol: 221,
        priority: 1024,
        scope: 0,
        type: 1,
        nexthops: [
          { gateway: "fe80::2", ifIndex: 3, weight: 1 },
          { gateway: "fe80::3", ifIndex: 5, weight: 2 },
        ],
        nhId: null,
      },
    ] satisfies KernelRoute[]);
    assert.ok(routes.some((r) => r.dst === "fe80::" && r.protocol === 2 && r.nexthops[0]?.gateway === null));
    assert.deepEqual(replies(hex(DUMP_DATAGRAM_2)), [{ kind: "done", seq: 5 }]);
  });

  it("decodes an acknowledgement (error 0)", () => {
    assert.deepEqual(
      replies(hex("24000000 0200 0001 01000000 1f6b0000 00000000 5c000000180005050100000000000000")),
      [{ kind: "ack", seq: 1 }],
    );
  });

  it("decodes a batch of acks and errors in order, and fails whole on a bad header after them", () => {
    const ack = (seq: number) =>
      `24000000 0200 0001 ${seq.toString(16).padStart(2, "0")}000000 1f6b0000 00000000 5c000000180005050100000000000000`;
    const esrch = "24000000 0200 0001 09000000 1f6b0000 fdffffff 5c000000180005050900000000000000";
    assert.deepEqual(replies(hex(`${ack(1)} ${ack(2)} ${esrch} ${ack(3)}`)), [
      { kind: "ack", seq: 1 },
      { kind: "ack", seq: 2 },
      { kind: "error", seq: 9, errno: 3, message: null },
      { kind: "ack", seq: 3 },
    ]);
    // A short NLMSG_ERROR is not an ack: its payload is too short for the echoed header.
    const r = decodeReplies(hex(`${ack(1)} 14000000 0200 0000 00000000 00000000 00000000`));
    assert.deepEqual(r.ok ? "ok" : `${r.error.code}@${r.error.offset}`, "NL_E_TRUNCATED_PAYLOAD@16");
    const t = decodeReplies(hex(`${ack(1)} ${ack(2)} 1000`));
    assert.deepEqual(t.ok ? "ok" : `${t.error.code}@${t.error.offset}`, "NL_E_TRUNCATED_HEADER@72");
  });

  it("decodes a captured -ESRCH (no such route) with the original request echoed", () => {
    assert.deepEqual(replies(hex(DELETE_ESRCH)), [{ kind: "error", seq: 4, errno: 3, message: null }]);
  });

  it("decodes an extended ack message from a capped error", () => {
    const msg = Buffer.from("Nexthop device is not up\0");
    const tlvLen = 4 + msg.length;
    const pad = (4 - (tlvLen % 4)) % 4;
    const payloadLen = 4 + 16 + tlvLen + pad;
    const b = hex(`
      ${(16 + payloadLen).toString(16).padStart(2, "0")}000000 0200 0003 07000000 00000000  # NLMSG_ERROR, flags CAPPED|ACK_TLVS
      edffffff                              # -ENODEV
      5c000000 1800 0505 07000000 00000000  # the request's header only (capped)
      ${tlvLen.toString(16).padStart(2, "0")}00 0100 ${msg.toString("hex")} ${"00".repeat(pad)}  # NLMSGERR_ATTR_MSG
    `);
    assert.deepEqual(replies(b), [{ kind: "error", seq: 7, errno: 19, message: "Nexthop device is not up" }]);
  });

  it("rejects malformed input with typed codes and offsets", () => {
    const code = (s: string) => {
      const r = decodeReplies(hex(s));
      return r.ok ? "ok" : `${r.error.code}@${r.error.offset}`;
    };
    assert.equal(code("1000"), "NL_E_TRUNCATED_HEADER@0");
    assert.equal(code("08000000 0300 0000 00000000 00000000"), "NL_E_TRUNCATED_HEADER@0");
    assert.equal(code("20000000 0300 0000 00000000 00000000"), "NL_E_BAD_LENGTH@0");
    assert.equal(code("14000000 0200 0000 00000000 00000000 00000000"), "NL_E_TRUNCATED_PAYLOAD@16");
    assert.equal(code("14000000 1800 0200 00000000 00000000 0a400000"), "NL_E_TRUNCATED_PAYLOAD@16");
    assert.equal(
      code("24000000 1800 0200 00000000 00000000 0a400000fedd000100000000 0900 0100 fd000000"),
      "NL_E_BAD_ATTR@28",
    );
    assert.equal(
      code("24000000 1800 0200 00000000 00000000 0a400000fedd000100000000 0800 0100 fd000000"),
      "NL_E_TRUNCATED_PAYLOAD@32",
    );
    assert.equal(
      code(
        "2c000000 1800 0200 00000000 00000000 0a400000fedd000100000000 1000 0900 0400 0000 03000000 00000000",
      ),
      "NL_E_BAD_ATTR@32",
    );
  });

  it("reports non-route families and unknown types as other", () => {
    assert.deepEqual(replies(hex("1c000000 1800 0200 09000000 00000000 07000000 0000000000000000")), [
      { kind: "other", seq: 9, type: 24 },
    ]);
    assert.deepEqual(replies(hex("10000000 0100 0000 0a000000 00000000")), [
      { kind: "other", seq: 10, type: 1 },
    ]);
  });
});

const v6Text = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return g.join(":");
});

describe("rtnetlink properties", () => {
  it("decodes every replace request back to the route it encodes", () => {
    fc.assert(
      fc.property(
        v6Text,
        fc.integer({ min: 1, max: 128 }),
        fc.array(
          fc.record(
            {
              gateway: fc.option(v6Text),
              ifIndex: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
              weight: fc.integer({ min: 1, max: 256 }),
            },
            { noNullPrototype: true },
          ),
          { minLength: 1, maxLength: 4 },
        ),
        fc.integer({ min: 1, max: 2 ** 32 - 1 }),
        fc.option(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { nil: undefined }),
        (dst, dstLen, nexthops, table, priority) => {
          const spec = {
            family: 6 as const,
            dst,
            dstLen,
            nexthops,
            table,
            ...(priority === undefined ? {} : { priority }),
          };
          const [r] = replies(bytes(encodeReplaceRoute(spec, 1)));
          assert.ok(r?.kind === "route");
          assert.equal(r.route.dstLen, dstLen);
          assert.equal(r.route.table, table);
          assert.equal(r.route.priority, priority ?? null);
          assert.deepEqual(
            r.route.nexthops.map((n) => [n.gateway === null, n.ifIndex, n.weight]),
            nexthops.map((n) => [n.gateway === null, n.ifIndex, n.weight]),
          );
        },
      ),
    );
  });

  it("never throws on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        assert.equal(typeof decodeReplies(b).ok, "boolean");
      }),
      { numRuns: 2000 },
    );
  });
});
