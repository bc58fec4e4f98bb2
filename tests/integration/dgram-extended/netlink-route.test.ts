/**
 * NETLINK_ROUTE against a namespace we create: add IPv6 and IPv4 routes with
 * RTM_NEWROUTE, read them back with an RTM_GETROUTE dump (and with
 * `ip -j route`), see EEXIST as a netlink error, and receive route
 * notifications through a multicast group subscription.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type NetlinkSocket, createNetlinkSocket } from "dgram-extended";
import { skipUnless } from "../../support/env.js";
import { type NetnsLab, inNs } from "../../support/netns.js";
import {
  AF_INET,
  AF_INET6,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  RTA_DST,
  RTA_OIF,
  RTM_GETROUTE,
  RTM_NEWROUTE,
  RTNLGRP_IPV4_ROUTE,
  RTNLGRP_IPV6_ROUTE,
  RTN_UNICAST,
  RTPROT_STATIC,
  RT_TABLE_MAIN,
  attributes,
  errorCode,
  exchange,
  int32Attr,
  nlmsg,
  readU32,
  rtattr,
  rtmsg,
  splitMessages,
} from "../../unit/dgram-extended/rtnl-bytes.js";
import { pairLab } from "./lab.js";

const skip = skipUnless({ root: true, commands: ["ip"] });

const cases = [
  {
    family: 6,
    af: AF_INET6,
    prefix: "fd00:79::",
    bytes: Buffer.from("fd000079000000000000000000000000", "hex"),
    len: 64,
    group: RTNLGRP_IPV6_ROUTE,
  },
  {
    family: 4,
    af: AF_INET,
    prefix: "10.79.5.0",
    bytes: Buffer.from([10, 79, 5, 0]),
    len: 24,
    group: RTNLGRP_IPV4_ROUTE,
  },
] as const;

describe("netlink route add and dump in a namespace", { skip }, () => {
  let lab: NetnsLab;
  let ns = "";
  let sock: NetlinkSocket;
  let seq = 100;
  before(() => {
    const p = pairLab();
    lab = p.lab;
    ns = p.a;
    sock = createNetlinkSocket({ netns: ns });
  });
  after(() => {
    sock.close();
    lab.destroy();
  });

  const oif = (): number => {
    const links = JSON.parse(inNs(ns, "ip", "-j", "link", "show", "p1")) as { ifindex: number }[];
    return links[0]?.ifindex ?? -1;
  };

  const addRoute = (c: (typeof cases)[number], s: number): Buffer =>
    nlmsg(
      RTM_NEWROUTE,
      NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
      s,
      Buffer.concat([
        rtmsg({
          family: c.af,
          dstLen: c.len,
          table: RT_TABLE_MAIN,
          protocol: RTPROT_STATIC,
          type: RTN_UNICAST,
        }),
        rtattr(RTA_DST, c.bytes),
        int32Attr(RTA_OIF, oif()),
      ]),
    );

  for (const c of cases) {
    it(`IPv${c.family}: RTM_NEWROUTE ${c.prefix}/${c.len} is acknowledged and a dump reads it back`, async () => {
      seq += 1;
      const ack = await exchange(sock, addRoute(c, seq), seq);
      assert.equal(ack.at(-1)?.type, NLMSG_ERROR);
      assert.equal(errorCode(ack.at(-1)?.body ?? Buffer.alloc(4)), 0);

      seq += 1;
      const dump = await exchange(
        sock,
        nlmsg(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, seq, rtmsg({ family: c.af })),
        seq,
      );
      assert.equal(dump.at(-1)?.type, NLMSG_DONE);
      const found = dump.filter((m) => {
        if (m.type !== RTM_NEWROUTE || m.body[1] !== c.len) return false;
        const attrs = attributes(m.body, 12);
        const dst = attrs.get(RTA_DST);
        const out = attrs.get(RTA_OIF);
        return dst?.equals(c.bytes) === true && out !== undefined && readU32(out) === oif();
      });
      assert.equal(found.length, 1);
      assert.equal(found[0]?.body[5], RTPROT_STATIC);

      // And iproute2 agrees.
      const ipOut = JSON.parse(
        inNs(ns, "ip", "-j", `-${c.family}`, "route", "show", `${c.prefix}/${c.len}`),
      ) as {
        dst: string;
        dev: string;
      }[];
      assert.deepEqual(
        ipOut.map((r) => [r.dst, r.dev]),
        [[`${c.prefix}/${c.len}`, "p1"]],
      );
    });

    it(`IPv${c.family}: adding the same route again is an EEXIST netlink error`, async () => {
      seq += 1;
      const reply = await exchange(sock, addRoute(c, seq), seq);
      assert.equal(reply.at(-1)?.type, NLMSG_ERROR);
      assert.equal(errorCode(reply.at(-1)?.body ?? Buffer.alloc(4)), -17);
    });

    it(`IPv${c.family}: a group subscriber is told about a route added by iproute2`, async () => {
      const watcher = createNetlinkSocket({ netns: ns, groups: [c.group] });
      try {
        const prefix = c.family === 6 ? "fd00:7a::/64" : "10.79.6.0/24";
        const notified = new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error("no route notification within 2 s")), 2000);
          watcher.on("message", (d) => {
            for (const m of splitMessages(d.data)) {
              if (m.type === RTM_NEWROUTE) {
                clearTimeout(timer);
                resolve(d.groups);
              }
            }
          });
        });
        inNs(ns, "ip", `-${c.family}`, "route", "add", prefix, "dev", "p1");
        // Multicast datagrams carry the group bit they were sent to.
        assert.equal(await notified, 1 << (c.group - 1));
      } finally {
        watcher.close();
      }
    });
  }
});
