/**
 * Netlink without privileges: a NETLINK_ROUTE link dump in our own namespace
 * finds the loopback device, and socket basics behave.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createNetlinkSocket, nativeStats } from "dgram-extended";
import {
  IFLA_IFNAME,
  NLMSG_DONE,
  NLM_F_DUMP,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  RTM_GETLINK,
  RTM_NEWLINK,
  attributes,
  exchange,
  ifinfomsg,
  nlmsg,
} from "./rtnl-bytes.js";

describe("netlink (NETLINK_ROUTE)", () => {
  it("dumps links and finds lo with ifindex 1", async () => {
    const sock = createNetlinkSocket();
    try {
      assert.ok(sock.portId > 0);
      const replies = await exchange(
        sock,
        nlmsg(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 42, ifinfomsg()),
        42,
      );
      assert.equal(replies.at(-1)?.type, NLMSG_DONE);
      const links = replies.filter((m) => m.type === RTM_NEWLINK);
      assert.ok(links.every((m) => (m.flags & NLM_F_MULTI) !== 0));
      const names = new Map(
        links.map((m) => [
          attributes(m.body, 16).get(IFLA_IFNAME)?.toString("latin1").replace(/\0.*$/, ""),
          m.body.readInt32LE(4),
        ]),
      );
      assert.equal(names.get("lo"), 1);
    } finally {
      sock.close();
    }
  });

  it("reports the kernel as sender (port id 0) and closes idempotently", async () => {
    const sock = createNetlinkSocket({ batchSize: 4 });
    const seen: number[] = [];
    sock.on("message", (d) => seen.push(d.portId));
    await exchange(sock, nlmsg(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 7, ifinfomsg()), 7);
    assert.ok(seen.length > 0 && seen.every((p) => p === 0));
    const open = nativeStats().open;
    sock.close();
    sock.close();
    assert.equal(nativeStats().open, open - 1);
    assert.throws(() => sock.send(Buffer.alloc(16)), { code: "ERR_SOCKET_CLOSED" });
  });
});
