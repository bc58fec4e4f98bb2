/**
 * Linux network namespaces and veth pairs for integration tests. Names are
 * unique per process so parallel runs never collide, and `destroy` removes
 * everything created (deleting a namespace deletes its veth ends).
 */
import { execFileSync } from "node:child_process";

let counter = 0;

/** A short unique name (interface names are limited to 15 characters). */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}${process.pid % 100000}${counter}`.slice(0, 15);
}

/** Run `ip` with arguments, throwing with stderr on failure. */
export function ip(...args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Run a command inside namespace `ns`. */
export function inNs(ns: string, cmd: string, ...args: string[]): string {
  return execFileSync("ip", ["netns", "exec", ns, cmd, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** A set of namespaces created by one test, torn down together. */
export class NetnsLab {
  readonly namespaces: string[] = [];

  /** Create a namespace with loopback up. */
  addNamespace(prefix = "mgt"): string {
    const ns = uniqueName(prefix);
    ip("netns", "add", ns);
    this.namespaces.push(ns);
    inNs(ns, "ip", "link", "set", "lo", "up");
    return ns;
  }

  /**
   * Create a veth pair with one end in `nsA` named `ifA` and the other in
   * `nsB` named `ifB`, both up. IPv6 DAD is disabled so link-local addresses
   * are usable at once.
   */
  addVeth(nsA: string, ifA: string, nsB: string, ifB: string): void {
    const tmpA = uniqueName("va");
    const tmpB = uniqueName("vb");
    ip("link", "add", "name", tmpA, "type", "veth", "peer", "name", tmpB);
    ip("link", "set", tmpA, "netns", nsA);
    ip("link", "set", tmpB, "netns", nsB);
    inNs(nsA, "ip", "link", "set", tmpA, "name", ifA);
    inNs(nsB, "ip", "link", "set", tmpB, "name", ifB);
    for (const [ns, ifn] of [
      [nsA, ifA],
      [nsB, ifB],
    ] as const) {
      inNs(ns, "sysctl", "-qw", `net.ipv6.conf.${ifn}.accept_dad=0`);
      inNs(ns, "ip", "link", "set", ifn, "up");
    }
  }

  /** Delete every namespace this lab created. Safe to call twice. */
  destroy(): void {
    for (const ns of this.namespaces.splice(0)) {
      try {
        ip("netns", "del", ns);
      } catch {
        // already gone
      }
    }
  }
}
