/**
 * DDM discovery packet codec (spec ddm-bfd-maghemite.md §1.1).
 *
 * ```
 *  0         1         2         3         4
 *  +---------+---------+---------+---------+-----------------+
 *  | version |  flags  |  kind   | hostlen | hostname (N B)  |
 *  +---------+---------+---------+---------+-----------------+
 *  flags: 0x01 solicit, 0x02 advertise; kind: 0 server, 1 transit
 * ```
 *
 * Big-endian bytes, no padding. We send version 2 (what every current ddmd
 * sends, so two ddmds speak exchange v2) and accept any version byte on
 * decode: maghemite reads the version only on advertisements, where it picks
 * the exchange protocol, so a solicitation with an unknown version is still
 * answered. `exchangeVersion` is null for a version other than 2 or 3, and the
 * FSM drops such an advertisement (counted).
 */
import { err, ok, type Result } from "../common/result.js";
import type { ExchangeVersion, RouterKind } from "./types.js";

/** UDP port for solicitations and advertisements, both ends (0xddd). */
export const DISCOVERY_PORT = 3549;
/** Link-local multicast group solicitations are sent to. */
export const DISCOVERY_GROUP = "ff02::dd";
/** The version byte we put on the wire (spec §1.1, Part 5 item 1). */
export const SENT_VERSION = 2;
/** Fixed header size before the hostname. */
export const HEADER_LEN = 4;
/** Receive buffer size in maghemite; a larger datagram is truncated there. */
export const MAX_PACKET_LEN = 1024;

const FLAG_SOLICIT = 0x01;
const FLAG_ADVERTISE = 0x02;

/** A decoded or to-be-encoded discovery packet. */
export interface DiscoveryPacket {
  /** The raw version byte. */
  readonly version: number;
  /** The exchange version this byte selects, or null when we do not speak it. */
  readonly exchangeVersion: ExchangeVersion | null;
  readonly solicit: boolean;
  readonly advertise: boolean;
  readonly kind: RouterKind;
  readonly hostname: string;
}

/** Decode failure codes. Each is a counted drop reason in the shell. */
export type DiscoveryDecodeCode =
  /** Fewer than 4 bytes. */
  | "DDM_DISC_TOO_SHORT"
  /** Router kind byte other than 0 or 1 (maghemite fails the parse too). */
  | "DDM_DISC_BAD_KIND"
  /** The hostname length runs past the end of the datagram. */
  | "DDM_DISC_TRUNCATED_HOSTNAME"
  /** The hostname is not valid UTF-8. */
  | "DDM_DISC_BAD_HOSTNAME"
  /** Neither solicit nor advertise is set; maghemite would parse and ignore it. */
  | "DDM_DISC_NO_FLAGS";

/** A typed decode error. */
export interface DiscoveryDecodeError {
  readonly code: DiscoveryDecodeCode;
  readonly detail?: string;
}

/** Encode failure codes (programmer or config input, never network input). */
export type DiscoveryEncodeCode = "DDM_DISC_HOSTNAME_TOO_LONG" | "DDM_DISC_NO_FLAGS";

const utf8Decoder = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

function exchangeVersionOf(version: number): ExchangeVersion | null {
  return version === 2 || version === 3 ? version : null;
}

/**
 * Decode a datagram. Total: every input yields a value or a typed error.
 * Trailing bytes after the hostname are ignored (room for a later version to
 * extend the packet; ddmd never sends any).
 */
export function decodeDiscovery(bytes: Uint8Array): Result<DiscoveryPacket, DiscoveryDecodeError> {
  if (bytes.length < HEADER_LEN) return err({ code: "DDM_DISC_TOO_SHORT", detail: `${bytes.length} bytes` });
  const version = bytes[0]!;
  const flags = bytes[1]!;
  const kindByte = bytes[2]!;
  const hostLen = bytes[3]!;
  // Reserved flag bits are ignored (spec §1.1).
  const solicit = (flags & FLAG_SOLICIT) !== 0;
  const advertise = (flags & FLAG_ADVERTISE) !== 0;
  if (!solicit && !advertise)
    return err({ code: "DDM_DISC_NO_FLAGS", detail: `flags 0x${flags.toString(16)}` });
  let kind: RouterKind;
  if (kindByte === 0) kind = "server";
  else if (kindByte === 1) kind = "transit";
  else return err({ code: "DDM_DISC_BAD_KIND", detail: `kind ${kindByte}` });
  if (HEADER_LEN + hostLen > bytes.length) {
    return err({ code: "DDM_DISC_TRUNCATED_HOSTNAME", detail: `need ${hostLen}, have ${bytes.length - 4}` });
  }
  let hostname: string;
  try {
    hostname = utf8Decoder.decode(bytes.subarray(HEADER_LEN, HEADER_LEN + hostLen));
  } catch (_e: unknown) {
    return err({ code: "DDM_DISC_BAD_HOSTNAME" });
  }
  return ok({ version, exchangeVersion: exchangeVersionOf(version), solicit, advertise, kind, hostname });
}

/** What the caller supplies to build a packet; the version is always `SENT_VERSION`. */
export interface DiscoveryMessage {
  readonly solicit: boolean;
  readonly advertise: boolean;
  readonly kind: RouterKind;
  readonly hostname: string;
}

/**
 * Encode a packet with version 2. A hostname over 255 UTF-8 bytes is an error
 * rather than maghemite's silent `as u8` wrap (spec §1.1).
 */
export function encodeDiscovery(m: DiscoveryMessage): Result<Uint8Array, { code: DiscoveryEncodeCode }> {
  if (!m.solicit && !m.advertise) return err({ code: "DDM_DISC_NO_FLAGS" });
  const host = utf8Encoder.encode(m.hostname);
  if (host.length > 255) return err({ code: "DDM_DISC_HOSTNAME_TOO_LONG" });
  const out = new Uint8Array(HEADER_LEN + host.length);
  out[0] = SENT_VERSION;
  out[1] = (m.solicit ? FLAG_SOLICIT : 0) | (m.advertise ? FLAG_ADVERTISE : 0);
  out[2] = m.kind === "server" ? 0 : 1;
  out[3] = host.length;
  out.set(host, HEADER_LEN);
  return ok(out);
}

/** True when `hostname` fits in a discovery packet; check it once at config load. */
export function isValidHostname(hostname: string): boolean {
  const n = utf8Encoder.encode(hostname).length;
  return n > 0 && n <= 255;
}
