/**
 * Network-namespace selection for socket creation. A bare name refers to a
 * namespace created by `ip netns add NAME`, which iproute2 pins at
 * `/run/netns/NAME` (ip-netns(8)); anything containing `/` is used as a
 * path as-is (for example `/proc/PID/ns/net`).
 */
import { codedError } from "./errors.js";

const NETNS_DIR = "/run/netns";

/** Resolves a namespace name or path to the path the addon opens. */
export function netnsPath(nameOrPath: string): string {
  if (nameOrPath.includes("/")) return nameOrPath;
  if (nameOrPath === "" || nameOrPath === "." || nameOrPath === "..") {
    throw codedError("ERR_INVALID_ARG_VALUE", `invalid network namespace name "${nameOrPath}"`);
  }
  return `${NETNS_DIR}/${nameOrPath}`;
}
