/**
 * Reception checks of RFC 5880 §6.8.6, in the mandatory order, stopping at the first discard.
 * They split by what they need:
 *
 * - {@link parseReceived} needs only the bytes: steps 1–6 and 8 (step 8 looks at the packet's own
 *   State field, and steps 7 and 8 apply to disjoint packets — Your Discr non-zero vs zero — so
 *   running 8 before the lookup cannot change which discard a packet gets);
 * - {@link selectSession} is the demultiplexing of steps 7 and 9, over lookups the shell owns;
 * - {@link checkTtl} and {@link checkAuthPresence} (steps 10–11) need the session's config; the
 *   session core calls them first thing on an `rx` event, then authenticates (auth.ts, step 12).
 */
import { err, ok, type Result } from "../common/result.js";
import type { Discard } from "./errors.js";
import { type ControlPacket, decode } from "./packet.js";
import type { DetectMult, Discriminator } from "./types.js";

/** A packet that passed the session-independent checks, with the raw bytes authentication needs. */
export interface ReceivedPacket extends Omit<ControlPacket, "detectMult" | "myDiscr"> {
  readonly detectMult: DetectMult;
  readonly myDiscr: Discriminator;
  /** The first Length bytes as received: the digest is computed over them (§6.7.3). */
  readonly raw: Uint8Array;
}

function discard(code: Discard["code"], detail = 0): Result<never, Discard> {
  return err({ code, detail });
}

/** §6.8.6 steps 1–6 and 8 on a UDP payload. Never throws. */
export function parseReceived(bytes: Uint8Array): Result<ReceivedPacket, Discard> {
  const d = decode(bytes);
  if (!d.ok) return discard(d.error.code, d.error.detail);
  const p = d.value;
  if (p.detectMult === 0) return discard("DETECT_MULT_ZERO");
  if (p.multipoint) return discard("MULTIPOINT");
  if (p.myDiscr === 0) return discard("MY_DISCR_ZERO");
  if (p.yourDiscr === 0 && p.state !== "Down" && p.state !== "AdminDown") {
    return discard("YOUR_DISCR_ZERO_NOT_DOWN");
  }
  const length = bytes[3] ?? 0;
  return ok({
    ...p,
    detectMult: p.detectMult as DetectMult,
    myDiscr: p.myDiscr as Discriminator,
    raw: bytes.slice(0, length),
  });
}

/**
 * §6.8.6 steps 7 and 9: choose the session. A non-zero Your Discriminator selects by local
 * discriminator only; a zero one selects by the source address, interface and protocol (RFC 5881
 * §3, RFC 5883 §4), which `byPeer` encapsulates. Creating a session for an unknown peer is a local
 * choice the RFC allows; this helper never creates one.
 */
export function selectSession<S>(
  packet: ReceivedPacket,
  byDiscr: (d: Discriminator) => S | undefined,
  byPeer: () => S | undefined,
): Result<S, Discard> {
  if (packet.yourDiscr !== 0) {
    const s = byDiscr(packet.yourDiscr as Discriminator);
    return s === undefined ? discard("YOUR_DISCR_UNKNOWN", packet.yourDiscr) : ok(s);
  }
  const s = byPeer();
  return s === undefined ? discard("NO_SESSION") : ok(s);
}

/** How received TTL / Hop Limit is judged (GTSM). */
export type TtlPolicy =
  /** RFC 5881 §5: single-hop packets must arrive with TTL 255. */
  | { readonly kind: "single-hop" }
  /** RFC 5883 §5 leaves the check to configuration; FRR defaults to a minimum of 254. */
  | { readonly kind: "multi-hop"; readonly minTtl: number };

/**
 * Judge a received TTL. `undefined` means the shell could not observe it (Node's dgram exposes
 * no TTL), in which case the check is the kernel's (an nftables rule) and the core accepts.
 * RFC 5881 §5 makes the check a MUST without authentication and a MAY with it; we apply it in
 * both cases because it is cheaper than the digest and a legitimate one-hop peer always sends 255.
 */
export function checkTtl(ttl: number | undefined, policy: TtlPolicy): Result<true, Discard> {
  if (ttl === undefined) return ok(true);
  const min = policy.kind === "single-hop" ? 255 : policy.minTtl;
  return ttl >= min ? ok(true) : discard("TTL", ttl);
}

/** §6.8.6 steps 10–11: the A bit must match whether authentication is configured. */
export function checkAuthPresence(packet: ReceivedPacket, authConfigured: boolean): Result<true, Discard> {
  if (packet.auth !== null && !authConfigured) return discard("AUTH_UNEXPECTED");
  if (packet.auth === null && authConfigured) return discard("AUTH_MISSING");
  return ok(true);
}
