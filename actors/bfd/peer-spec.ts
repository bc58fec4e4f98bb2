/**
 * Parse a peer's settings at the edge (style guide rule 11: parse, don't validate). The REST API,
 * the config file and the store all describe peers with `PeerInput`; `parsePeerSpec` checks what
 * their schemas cannot (families agree, TTL only for multihop, authentication keys) and
 * canonicalises addresses, so a peer written `FD00::1` and `fd00::1` is one session.
 * Field names in failures are the REST API's (`required_rx`, `auth.secret`, …).
 */
import { isIP, SocketAddress } from "node:net";
import { type AuthType, authConfig } from "../../protocols/bfd/index.js";
import { err, ok, type Result } from "../../protocols/common/result.js";
import type { BfdFailure } from "./errors.js";
import type { BfdMode, PeerOrigin, PeerSpec } from "./types.js";

/** Smallest interval accepted (µs). 1 ms: below that the event loop cannot keep time anyway. */
export const MIN_INTERVAL_US = 1000;
/** Largest interval: the 32-bit wire field (RFC 5880 §4.1). */
export const MAX_INTERVAL_US = 0xffff_ffff;
/** Multihop minimum TTL when none is configured: FRR's default (anchors.md §1.3). */
export const DEFAULT_MULTIHOP_MIN_TTL = 254;

/** Unchecked peer settings. */
export interface PeerInput {
  readonly peer: string;
  readonly listen: string;
  readonly mode: BfdMode;
  readonly requiredRxUs: number;
  /** Defaults to `requiredRxUs` (symmetric timers, FRR's default profile shape). */
  readonly desiredTxUs?: number | undefined;
  readonly detectMult: number;
  readonly passive?: boolean | undefined;
  readonly adminDown?: boolean | undefined;
  readonly minTtl?: number | undefined;
  readonly auth?:
    | { readonly type: AuthType; readonly keyId: number; readonly secret: string }
    | null
    | undefined;
}

function fail(field: string, message: string): Result<never, BfdFailure> {
  return err({ code: "BFD_E_INVALID", message: `${field}: ${message}`, field });
}

/** Canonical address text and family; `%scope` is kept only for link-local IPv6. */
export function canonicalPeerAddress(text: string): { address: string; family: 4 | 6 } | undefined {
  const i = text.indexOf("%");
  const bare = i < 0 ? text : text.slice(0, i);
  const scope = i < 0 ? "" : text.slice(i + 1);
  const version = isIP(bare);
  if (version === 0) return undefined;
  const family: 4 | 6 = version === 4 ? 4 : 6;
  const canonical = new SocketAddress({ address: bare, family: family === 6 ? "ipv6" : "ipv4" }).address;
  const linkLocal = family === 6 && /^fe[89ab]/i.test(canonical);
  if (scope !== "" && !linkLocal) return undefined;
  return { address: linkLocal && scope !== "" ? `${canonical}%${scope}` : canonical, family };
}

function interval(field: string, v: number): Result<number, BfdFailure> {
  if (!Number.isInteger(v) || v < MIN_INTERVAL_US || v > MAX_INTERVAL_US) {
    return fail(field, `must be an integer number of microseconds in ${MIN_INTERVAL_US}..${MAX_INTERVAL_US}`);
  }
  return ok(v);
}

/** Check and canonicalise a peer. */
export function parsePeerSpec(input: PeerInput, origin: PeerOrigin): Result<PeerSpec, BfdFailure> {
  const peer = canonicalPeerAddress(input.peer);
  if (peer === undefined) return fail("peer", `${JSON.stringify(input.peer)} is not an IP address`);
  const listen = canonicalPeerAddress(input.listen);
  if (listen === undefined) return fail("listen", `${JSON.stringify(input.listen)} is not an IP address`);
  if (peer.family !== listen.family) {
    return fail("listen", `listen ${listen.address} and peer ${peer.address} are different address families`);
  }
  const rx = interval("required_rx", input.requiredRxUs);
  if (!rx.ok) return rx;
  const tx = interval("desired_tx", input.desiredTxUs ?? input.requiredRxUs);
  if (!tx.ok) return tx;
  const m = input.detectMult;
  if (!Number.isInteger(m) || m < 1 || m > 255) {
    return fail("detection_threshold", "must be an integer in 1..255 (RFC 5880 §4.1: never 0)");
  }
  if (input.mode === "SingleHop" && input.minTtl !== undefined && input.minTtl !== 255) {
    return fail("min_ttl", "single-hop sessions always require TTL 255 (RFC 5881 §5)");
  }
  const minTtl = input.mode === "SingleHop" ? 255 : (input.minTtl ?? DEFAULT_MULTIHOP_MIN_TTL);
  if (!Number.isInteger(minTtl) || minTtl < 1 || minTtl > 255) return fail("min_ttl", "must be in 1..255");
  let auth: PeerSpec["auth"] = null;
  if (input.auth !== undefined && input.auth !== null) {
    const secret = new TextEncoder().encode(input.auth.secret);
    const a = authConfig(input.auth.type, [{ id: input.auth.keyId, secret }], input.auth.keyId);
    if (!a.ok) {
      const field = a.error.code === "BFD_E_AUTH_SECRET_LENGTH" ? "auth.secret" : "auth.key_id";
      return fail(field, a.error.code);
    }
    auth = { type: input.auth.type, keyId: input.auth.keyId, secret };
  }
  return ok({
    peer: peer.address,
    listen: listen.address,
    family: peer.family,
    mode: input.mode,
    requiredRxUs: rx.value,
    desiredTxUs: tx.value,
    detectMult: m,
    passive: input.passive ?? false,
    adminDown: input.adminDown ?? false,
    minTtl,
    auth,
    origin,
  });
}
