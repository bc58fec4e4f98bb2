/**
 * Small address helpers: canonical text (so "FF02::DD" and "ff02::dd" compare
 * equal, as the kernel prints them) and the `%scope` suffix.
 */
import { SocketAddress, isIP } from "node:net";
import { codedError } from "./errors.js";

/** IP family as a number, as node:dgram reports it. */
export type Family = 4 | 6;

/** Splits "addr%scope" into its parts. */
export function splitScope(text: string): { address: string; scope: string | undefined } {
  const i = text.indexOf("%");
  return i < 0
    ? { address: text, scope: undefined }
    : { address: text.slice(0, i), scope: text.slice(i + 1) };
}

/** Canonical text of an address without its scope; throws ERR_INVALID_IP_ADDRESS on bad input. */
export function canonicalAddress(text: string): string {
  const { address } = splitScope(text);
  const family = isIP(address);
  if (family === 0) throw codedError("ERR_INVALID_IP_ADDRESS", `invalid IP address: ${text}`);
  return new SocketAddress({ address, family: family === 6 ? "ipv6" : "ipv4" }).address;
}
