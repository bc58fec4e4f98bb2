/**
 * Peers added over the REST API are persisted in the embedded store (DESIGN.md, Persistence;
 * maghemite never persisted them, ddm-bfd-maghemite.md §2.7), collection `bfd-peers`, one record
 * per peer keyed by its canonical address. The layout uses the REST field names so an operator
 * reading the file recognises it. The secret is stored (the state directory is mode 0700):
 * without it an authenticated peer could not come back after a restart.
 */
import type { AuthType } from "../../protocols/bfd/index.js";
import { err, ok, type Result } from "../../protocols/common/result.js";
import type { CollectionSpec } from "../../dataplane/store/index.js";
import { type PeerInput, parsePeerSpec } from "./peer-spec.js";
import type { BfdMode, PeerSpec } from "./types.js";

/** A stored peer (schema v1). */
export interface StoredPeer {
  readonly peer: string;
  readonly listen: string;
  readonly mode: BfdMode;
  readonly required_rx: number;
  readonly desired_tx: number;
  readonly detection_threshold: number;
  readonly passive: boolean;
  readonly admin_down: boolean;
  readonly min_ttl: number;
  readonly auth: { readonly type: AuthType; readonly key_id: number; readonly secret: string } | null;
}

const AUTH_TYPES = new Set(["simple", "keyed-md5", "meticulous-md5", "keyed-sha1", "meticulous-sha1"]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The input a stored record describes (untrusted: the file may have been edited by hand). */
function toInput(v: unknown): Result<PeerInput, string> {
  if (!isObject(v)) return err("not an object");
  const {
    peer,
    listen,
    mode,
    required_rx,
    desired_tx,
    detection_threshold,
    passive,
    admin_down,
    min_ttl,
    auth,
  } = v;
  if (typeof peer !== "string" || typeof listen !== "string") return err("peer and listen must be strings");
  if (mode !== "SingleHop" && mode !== "MultiHop") return err("mode must be SingleHop or MultiHop");
  const nums = [required_rx, desired_tx, detection_threshold, min_ttl];
  if (!nums.every((n) => typeof n === "number")) return err("timers must be numbers");
  if (typeof passive !== "boolean" || typeof admin_down !== "boolean") return err("flags must be booleans");
  let a: PeerInput["auth"] = null;
  if (auth !== null) {
    if (!isObject(auth) || typeof auth["type"] !== "string" || !AUTH_TYPES.has(auth["type"]))
      return err("bad auth");
    if (typeof auth["key_id"] !== "number" || typeof auth["secret"] !== "string") return err("bad auth key");
    a = { type: auth["type"] as AuthType, keyId: auth["key_id"], secret: auth["secret"] };
  }
  return ok({
    peer,
    listen,
    mode,
    requiredRxUs: required_rx as number,
    desiredTxUs: desired_tx as number,
    detectMult: detection_threshold as number,
    passive,
    adminDown: admin_down,
    minTtl: min_ttl as number,
    auth: a,
  });
}

/** Decode a stored record into a checked spec. */
export function specFromStored(v: unknown): Result<PeerSpec, string> {
  const input = toInput(v);
  if (!input.ok) return input;
  const spec = parsePeerSpec(input.value, "api");
  return spec.ok ? spec : err(spec.error.message);
}

/** Validate a stored record; the value kept is re-derived from the checked spec (canonical). */
export function decodeStoredPeer(v: unknown): Result<StoredPeer, string> {
  const spec = specFromStored(v);
  return spec.ok ? ok(storedPeer(spec.value)) : spec;
}

/** The record for a spec. */
export function storedPeer(s: PeerSpec): StoredPeer {
  return {
    peer: s.peer,
    listen: s.listen,
    mode: s.mode,
    required_rx: s.requiredRxUs,
    desired_tx: s.desiredTxUs,
    detection_threshold: s.detectMult,
    passive: s.passive,
    admin_down: s.adminDown,
    min_ttl: s.minTtl,
    auth:
      s.auth === null
        ? null
        : { type: s.auth.type, key_id: s.auth.keyId, secret: new TextDecoder().decode(s.auth.secret) },
  };
}

/** The `bfd-peers` collection (schema v1; there never was an unversioned layout). */
export const BFD_PEERS: CollectionSpec<StoredPeer> = {
  name: "bfd-peers",
  schemaVersion: 1,
  migrations: [() => err("bfd-peers has no unversioned layout")],
  decode: decodeStoredPeer,
};

/** The store surface the service needs (the real `Collection<PeerSpec>` satisfies it). */
export interface PeerStore {
  get(key: string): { readonly value: StoredPeer } | undefined;
  list(): readonly { readonly key: string; readonly value: StoredPeer }[];
  put(key: string, value: StoredPeer): Promise<unknown>;
  delete(key: string): Promise<boolean>;
}
