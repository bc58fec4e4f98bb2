/**
 * Namespaces for the dgram-extended integration tests. Addresses are private
 * to namespaces these tests create and destroy (NetnsLab); nothing leaves
 * them.
 */
import { NetnsLab, inNs } from "../../support/netns.js";

/**
 * Two namespaces joined by two veth links:
 *   rx: a1 (10.77.1.1, fd77:1::1, fe80::1)  <->  tx: b1 (10.77.1.2, fd77:1::2, fe80::2)
 *   rx: a2 (10.77.2.1, fd77:2::1)           <->  tx: b2 (10.77.2.2, fd77:2::2)
 */
export interface TwoLinkLab {
  readonly lab: NetnsLab;
  readonly rx: string;
  readonly tx: string;
  v4(link: 1 | 2, host: 1 | 2): string;
  v6(link: 1 | 2, host: 1 | 2): string;
}

export function twoLinkLab(): TwoLinkLab {
  const lab = new NetnsLab();
  try {
    const rx = lab.addNamespace("dgxr");
    const tx = lab.addNamespace("dgxt");
    for (const k of [1, 2] as const) {
      lab.addVeth(rx, `a${k}`, tx, `b${k}`);
      for (const [ns, ifn, host] of [
        [rx, `a${k}`, 1],
        [tx, `b${k}`, 2],
      ] as const) {
        inNs(ns, "ip", "addr", "add", `10.77.${k}.${host}/24`, "dev", ifn);
        inNs(ns, "ip", "-6", "addr", "add", `fd77:${k}::${host}/64`, "dev", ifn, "nodad");
      }
    }
    inNs(rx, "ip", "-6", "addr", "add", "fe80::1/64", "dev", "a1", "nodad");
    inNs(tx, "ip", "-6", "addr", "add", "fe80::2/64", "dev", "b1", "nodad");
    return {
      lab,
      rx,
      tx,
      v4: (link, host) => `10.77.${link}.${host}`,
      v6: (link, host) => `fd77:${link}::${host}`,
    };
  } catch (e) {
    lab.destroy();
    throw e;
  }
}

/**
 * Two namespaces on one link for ICMP and netlink:
 *   a: p1 (10.78.0.1, fd78::1)  <->  b: p2 (10.78.0.2, fd78::2)
 * 10.78.0.99 / fd78::99 are on the link but owned by nobody.
 */
export function pairLab(): { lab: NetnsLab; a: string; b: string } {
  const lab = new NetnsLab();
  try {
    const a = lab.addNamespace("dgxa");
    const b = lab.addNamespace("dgxb");
    lab.addVeth(a, "p1", b, "p2");
    inNs(a, "ip", "addr", "add", "10.78.0.1/24", "dev", "p1");
    inNs(b, "ip", "addr", "add", "10.78.0.2/24", "dev", "p2");
    inNs(a, "ip", "-6", "addr", "add", "fd78::1/64", "dev", "p1", "nodad");
    inNs(b, "ip", "-6", "addr", "add", "fd78::2/64", "dev", "p2", "nodad");
    return { lab, a, b };
  } catch (e) {
    lab.destroy();
    throw e;
  }
}
