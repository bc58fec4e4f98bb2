/**
 * The discovery sockets of one interface (spec ddm-bfd-maghemite.md §1.1):
 *
 * - a multicast socket bound to `[ff02::dd%if]:3549` (SO_REUSEADDR, joined to
 *   `ff02::dd` on that interface only, multicast loopback off, outgoing
 *   multicast on that interface) that sends solicitations;
 * - a unicast socket bound to `[own link-local%if]:3549` that sends
 *   advertisements (always to port 3549, whatever the solicitor's source port).
 *
 * Binding to the scoped group rather than `::` makes the scope take effect,
 * so each interface's socket sees only its own link. Datagrams arrive raw;
 * decoding and counting drop reasons is the caller's job, so a malformed
 * packet never throws here. Only IPv6 link-local sources are passed on.
 */
import { createUdpSocket, type UdpMessage, type UdpSocket } from "dgram-extended";
import { err, ok, type Result } from "../../protocols/common/result.js";
import { DISCOVERY_GROUP, DISCOVERY_PORT, MAX_PACKET_LEN } from "../../protocols/ddm/discovery.js";
import type { LinkInfo } from "../../protocols/ddm/fsm-types.js";
import { type Ipv6Addr, parseIpv6 } from "../../protocols/ddm/ip.js";

/** A datagram for the state machine. */
export interface DiscoveryDatagram {
  readonly from: Ipv6Addr;
  readonly data: Uint8Array;
}

/** What the transport reports besides datagrams. */
export type DiscoveryDrop = "non-link-local-source" | "truncated";

/** Callbacks of an open transport. */
export interface DiscoveryHandlers {
  readonly onDatagram: (d: DiscoveryDatagram) => void;
  /** A datagram dropped before decoding, with why. */
  readonly onDrop: (reason: DiscoveryDrop) => void;
  /** A socket failed (maghemite's `SolicitFail`): the machine goes back to Init. */
  readonly onError: (e: Error) => void;
}

/** An open pair of discovery sockets. */
export interface DiscoveryTransport {
  /** Send to `ff02::dd` or unicast to a neighbour; a failure is returned, not thrown. */
  send(to: "multicast" | Ipv6Addr, bytes: Uint8Array): Result<void, Error>;
  close(): void;
}

/** Options for tests and the daemon. */
export interface DiscoveryOptions {
  readonly port?: number;
}

/** Open the two sockets for `link`. */
export function openDiscovery(
  link: LinkInfo,
  handlers: DiscoveryHandlers,
  options: DiscoveryOptions = {},
): Result<DiscoveryTransport, Error> {
  const port = options.port ?? DISCOVERY_PORT;
  const scope = link.ifName;
  const opened: UdpSocket[] = [];
  const onMessage = (m: UdpMessage) => {
    if (m.truncated || m.data.length > MAX_PACKET_LEN) {
      handlers.onDrop("truncated");
      return;
    }
    const from = parseIpv6(m.address.split("%")[0] ?? "");
    if (!from.ok || !/^fe[89ab]/.test(from.value)) {
      handlers.onDrop("non-link-local-source");
      return;
    }
    handlers.onDatagram({ from: from.value, data: m.data });
  };
  try {
    const mc = createUdpSocket({
      family: 6,
      address: `${DISCOVERY_GROUP}%${scope}`,
      port,
      reuseAddress: true,
      multicastLoop: false,
      multicastInterface: scope,
      multicastTtl: 1,
      maxMessageSize: MAX_PACKET_LEN + 1,
    });
    opened.push(mc);
    mc.addMembership(DISCOVERY_GROUP, scope);
    const uc = createUdpSocket({
      family: 6,
      address: `${link.addr}%${scope}`,
      port,
      reuseAddress: true,
      maxMessageSize: MAX_PACKET_LEN + 1,
    });
    opened.push(uc);
    for (const s of opened) {
      s.on("message", onMessage);
      s.on("error", (e) => handlers.onError(e));
    }
    return ok({
      send(to, bytes) {
        try {
          if (to === "multicast") mc.send(bytes, `${DISCOVERY_GROUP}%${scope}`, port);
          else uc.send(bytes, `${to}%${scope}`, port);
          return ok(undefined);
        } catch (e: unknown) {
          return err(e instanceof Error ? e : new Error(String(e)));
        }
      },
      close() {
        for (const s of opened) s.close();
      },
    });
  } catch (e: unknown) {
    for (const s of opened) s.close();
    return err(e instanceof Error ? e : new Error(String(e)));
  }
}
