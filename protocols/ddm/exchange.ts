/**
 * Exchange protocol bodies, v2 and v3 (spec ddm-bfd-maghemite.md §1.3), as
 * strict total parsers and serialisers over our version-neutral domain types
 * (`types.ts`, the v3 model). The two versions differ only in how prefixes
 * are written:
 *
 * | field                        | v2                                  | v3               |
 * |------------------------------|-------------------------------------|------------------|
 * | `PathVector.destination`     | `{"addr": "fd00:1::", "len": 64}`   | `"fd00:1::/64"`  |
 * | `TunnelOrigin.overlay_prefix`| `{"V4": {"addr": …, "len": …}}`/V6  | `"203.0.113.0/24"` |
 *
 * Decisions where serde's behaviour is the reference: missing `Option` keys
 * read as null, unknown keys are ignored (serde's default, and room for a
 * later version), duplicate keys are an error, a missing `metric` is 0, and
 * integers must be plain integer literals within u32/u64 range. Converting
 * between versions is parse-then-serialise (`convertUpdate`).
 */
import { err, ok, type Result } from "../common/result.js";
import type { IpNet, Ipv6Net } from "./ip.js";
import { formatNet, parseIpNet, parseIpv4, parseIpv6, parseIpv6Net } from "./ip.js";
import { JsonNumber, quote } from "./json.js";
import {
  field,
  isTreeArray as isArray,
  isTreeObject as isObject,
  type JsonTreeObject as JsonObject,
  type JsonTree as JsonValue,
  parseJsonTree,
} from "./json-tree.js";
import type {
  AnnounceWithdraw,
  ExchangeVersion,
  PathVector,
  PullResponse,
  TunnelOrigin,
  Update,
} from "./types.js";

/** Exchange body failure codes. */
export type ExchangeErrorCode =
  /** Not JSON at all (syntax, nesting, duplicate key). */
  | "DDM_E_XCHG_BAD_JSON"
  /** JSON of the wrong shape: a missing field, a wrong type. */
  | "DDM_E_XCHG_BAD_SHAPE"
  /** A value of the right type that is out of range: a bad address, a prefix length > 128, a VNI > u32. */
  | "DDM_E_XCHG_BAD_VALUE";

/** A typed error with the JSON path of the offending value (`$.underlay.announce[2].path`). */
export interface ExchangeError {
  readonly code: ExchangeErrorCode;
  readonly path: string;
  readonly detail: string;
}

type R<T> = Result<T, ExchangeError>;
const shape = (path: string, detail: string): R<never> => err({ code: "DDM_E_XCHG_BAD_SHAPE", path, detail });
const badValue = (path: string, detail: string): R<never> =>
  err({ code: "DDM_E_XCHG_BAD_VALUE", path, detail });

const U32_MAX = 0xffff_ffffn;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

function uint(v: JsonValue | undefined, path: string, max: bigint): R<bigint> {
  // A `number` is a literal of digits only (`json-tree.ts`), so exact.
  if (typeof v === "number") {
    const n = BigInt(v);
    return n <= max ? ok(n) : badValue(path, `out of range: ${v}`);
  }
  if (!(v instanceof JsonNumber)) return shape(path, "expected an integer");
  if (!/^(0|[1-9][0-9]*)$/.test(v.raw)) return badValue(path, `not an unsigned integer: ${v.raw}`);
  const n = BigInt(v.raw);
  return n <= max ? ok(n) : badValue(path, `out of range: ${v.raw}`);
}

function str(v: JsonValue | undefined, path: string): R<string> {
  return typeof v === "string" ? ok(v) : shape(path, "expected a string");
}

function list<T>(v: JsonValue | undefined, path: string, item: (x: JsonValue, p: string) => R<T>): R<T[]> {
  if (!isArray(v)) return shape(path, "expected an array");
  const out: T[] = [];
  for (let i = 0; i < v.length; i++) {
    const r = item(v[i] as JsonValue, `${path}[${i}]`);
    if (!r.ok) return r;
    out.push(r.value);
  }
  return ok(out);
}

/** An optional (nullable or absent) field. */
function optional<T>(
  o: JsonObject,
  key: string,
  path: string,
  f: (x: JsonValue, p: string) => R<T>,
): R<T | null> {
  const v = field(o, key);
  return v === undefined || v === null ? ok(null) : f(v, `${path}.${key}`);
}

function obj(v: JsonValue | undefined, path: string): R<JsonObject> {
  return isObject(v) ? ok(v) : shape(path, "expected an object");
}

/** v2 `{"addr": "...", "len": N}` with the address parsed by `family`. */
function v2Prefix(v: JsonValue, path: string, family: 4 | 6): R<IpNet> {
  const o = obj(v, path);
  if (!o.ok) return o;
  const a = str(field(o.value, "addr"), `${path}.addr`);
  if (!a.ok) return a;
  const len = uint(field(o.value, "len"), `${path}.len`, family === 6 ? 128n : 32n);
  if (!len.ok) return len;
  if (family === 6) {
    const addr = parseIpv6(a.value);
    return addr.ok
      ? ok({ family, addr: addr.value, len: Number(len.value) })
      : badValue(`${path}.addr`, addr.error);
  }
  const addr = parseIpv4(a.value);
  return addr.ok
    ? ok({ family, addr: addr.value, len: Number(len.value) })
    : badValue(`${path}.addr`, addr.error);
}

function destination(v: JsonValue | undefined, path: string, ver: ExchangeVersion): R<Ipv6Net> {
  if (ver === 3) {
    const s = str(v, path);
    if (!s.ok) return s;
    const n = parseIpv6Net(s.value);
    return n.ok ? n : badValue(path, n.error);
  }
  if (v === undefined) return shape(path, "missing");
  const n = v2Prefix(v, path, 6);
  return n.ok ? ok({ addr: n.value.addr, len: n.value.len } as Ipv6Net) : n;
}

function overlayPrefix(v: JsonValue | undefined, path: string, ver: ExchangeVersion): R<IpNet> {
  if (ver === 3) {
    const s = str(v, path);
    if (!s.ok) return s;
    const n = parseIpNet(s.value);
    return n.ok ? n : badValue(path, n.error);
  }
  // v2 is serde's externally tagged enum: exactly one of "V4" / "V6".
  const o = obj(v, path);
  if (!o.ok) return o;
  if (Object.keys(o.value).length !== 1) return shape(path, "expected exactly one of V4, V6");
  const v4 = field(o.value, "V4");
  if (v4 !== undefined) return v2Prefix(v4, `${path}.V4`, 4);
  const v6 = field(o.value, "V6");
  if (v6 !== undefined) return v2Prefix(v6, `${path}.V6`, 6);
  return shape(path, "expected exactly one of V4, V6");
}

/**
 * Paths seen in bodies, interned: a fabric has few distinct paths (every
 * prefix a server originates reaches another server as `[server, transit]`),
 * and a RIB of 30,000 routes holding a fresh array and fresh strings per
 * route gave the scavenger tens of thousands of long-lived objects to copy
 * (`--trace-gc` over bench/ddm/server-path). A trie by hop; interned arrays
 * are frozen. Bounded: cleared when it holds `PATHS_MAX` nodes.
 */
interface PathNode {
  path: readonly string[] | undefined;
  readonly next: Map<string, PathNode>;
}
const PATHS_MAX = 4096;
let pathRoot: PathNode = { path: undefined, next: new Map() };
let pathNodes = 0;

function internPath(p: readonly string[]): readonly string[] {
  let node = pathRoot;
  for (let i = 0; i < p.length; i++) {
    const hop = p[i] as string;
    let child = node.next.get(hop);
    if (child === undefined) {
      if (pathNodes >= PATHS_MAX) {
        pathRoot = { path: undefined, next: new Map() };
        pathNodes = 0;
        return p;
      }
      child = { path: undefined, next: new Map() };
      node.next.set(hop, child);
      pathNodes += 1;
    }
    node = child;
  }
  if (node.path === undefined) node.path = Object.freeze(p.slice());
  return node.path;
}

/**
 * Path vectors of the usual shape read without a `Result` or a JSON path per
 * field: every item an object whose `destination` parses (v3 text, v2
 * `{addr, len}` with an integer length) and whose `path` is an array of
 * strings. Null as soon as one is not, and the strict reader (`list` of
 * `pathVector`) then finds and reports the first bad one, so the two
 * accept exactly the same bodies.
 */
function fastVectors(v: JsonValue | undefined, ver: ExchangeVersion): PathVector[] | null {
  if (!isArray(v)) return null;
  const out: PathVector[] = new Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!isObject(x)) return null;
    const p = field(x, "path");
    if (!isArray(p)) return null;
    for (let k = 0; k < p.length; k++) if (typeof p[k] !== "string") return null;
    const d = field(x, "destination");
    let destination: Ipv6Net;
    if (ver === 3) {
      if (typeof d !== "string") return null;
      const n = parseIpv6Net(d);
      if (!n.ok) return null;
      destination = n.value;
    } else {
      if (!isObject(d)) return null;
      const a = field(d, "addr");
      const len = field(d, "len");
      if (typeof a !== "string" || typeof len !== "number" || len > 128) return null;
      const addr = parseIpv6(a);
      if (!addr.ok) return null;
      destination = { addr: addr.value, len };
    }
    out[i] = { destination, path: internPath(p as string[]) };
  }
  return out;
}

/** `list(v, path, pathVector(ver))`, by way of `fastVectors` when it can. */
function vectors(v: JsonValue | undefined, path: string, ver: ExchangeVersion): R<PathVector[]> {
  const fast = fastVectors(v, ver);
  return fast !== null ? ok(fast) : list(v, path, pathVector(ver));
}

function pathVector(ver: ExchangeVersion) {
  return (v: JsonValue, path: string): R<PathVector> => {
    const o = obj(v, path);
    if (!o.ok) return o;
    const d = destination(field(o.value, "destination"), `${path}.destination`, ver);
    if (!d.ok) return d;
    const p = list(field(o.value, "path"), `${path}.path`, str);
    return p.ok ? ok({ destination: d.value, path: p.value }) : p;
  };
}

function tunnelOrigin(ver: ExchangeVersion) {
  return (v: JsonValue, path: string): R<TunnelOrigin> => {
    const o = obj(v, path);
    if (!o.ok) return o;
    const op = overlayPrefix(field(o.value, "overlay_prefix"), `${path}.overlay_prefix`, ver);
    if (!op.ok) return op;
    const b = str(field(o.value, "boundary_addr"), `${path}.boundary_addr`);
    if (!b.ok) return b;
    const boundary = parseIpv6(b.value);
    if (!boundary.ok) return badValue(`${path}.boundary_addr`, boundary.error);
    const vni = uint(field(o.value, "vni"), `${path}.vni`, U32_MAX);
    if (!vni.ok) return vni;
    const m = field(o.value, "metric");
    const metric = m === undefined ? ok(0n) : uint(m, `${path}.metric`, U64_MAX);
    if (!metric.ok) return metric;
    return ok({
      overlayPrefix: op.value,
      boundaryAddr: boundary.value,
      vni: Number(vni.value),
      metric: metric.value,
    });
  };
}

function announceWithdraw<T>(items: (x: JsonValue | undefined, p: string) => R<T[]>) {
  return (v: JsonValue, path: string): R<AnnounceWithdraw<T>> => {
    const o = obj(v, path);
    if (!o.ok) return o;
    const a = items(field(o.value, "announce"), `${path}.announce`);
    if (!a.ok) return a;
    const w = items(field(o.value, "withdraw"), `${path}.withdraw`);
    return w.ok ? ok({ announce: a.value, withdraw: w.value }) : w;
  };
}

function root(text: string): R<JsonObject> {
  const j = parseJsonTree(text);
  if (!j.ok)
    return err({ code: "DDM_E_XCHG_BAD_JSON", path: "$", detail: `${j.error.code} at ${j.error.offset}` });
  return obj(j.value, "$");
}

/** Parse a push body (`PUT /v{2,3}/push`). */
export function parseUpdate(text: string, ver: ExchangeVersion): R<Update> {
  const o = root(text);
  if (!o.ok) return o;
  const u = optional(
    o.value,
    "underlay",
    "$",
    announceWithdraw((v, p) => vectors(v, p, ver)),
  );
  if (!u.ok) return u;
  const t = optional(
    o.value,
    "tunnel",
    "$",
    announceWithdraw((v, p) => list(v, p, tunnelOrigin(ver))),
  );
  return t.ok ? ok({ underlay: u.value, tunnel: t.value }) : t;
}

/** Parse a pull answer (`GET /v{2,3}/pull`); null sets become empty. */
export function parsePullResponse(text: string, ver: ExchangeVersion): R<PullResponse> {
  const o = root(text);
  if (!o.ok) return o;
  const u = optional(o.value, "underlay", "$", (v, p) => vectors(v, p, ver));
  if (!u.ok) return u;
  const t = optional(o.value, "tunnel", "$", (v, p) => list(v, p, tunnelOrigin(ver)));
  return t.ok ? ok({ underlay: u.value ?? [], tunnel: t.value ?? [] }) : t;
}

function prefixJson(n: IpNet | ({ family: 6 } & Ipv6Net), ver: ExchangeVersion): string {
  return ver === 3 ? quote(formatNet(n)) : `{"addr":${quote(n.addr)},"len":${n.len}}`;
}

/** One path vector's JSON, built without an intermediate object or array (a transit writes 120,000 per burst). */
function pathVectorJson(pv: PathVector, ver: ExchangeVersion): string {
  const n = pv.destination;
  // An `Ipv6Addr` is canonical text (hex digits and colons), which JSON needs no escape for.
  const d = ver === 3 ? `"${n.addr}/${n.len}"` : `{"addr":"${n.addr}","len":${n.len}}`;
  let path = "";
  for (let i = 0; i < pv.path.length; i++)
    path += i === 0 ? quote(pv.path[i] as string) : `,${quote(pv.path[i] as string)}`;
  return `{"destination":${d},"path":[${path}]}`;
}

/** Field order follows ddmd's struct so bodies look like its own. */
function tunnelOriginJson(t: TunnelOrigin, ver: ExchangeVersion): string {
  const op =
    ver === 3
      ? prefixJson(t.overlayPrefix, 3)
      : `{${quote(`V${t.overlayPrefix.family}`)}:${prefixJson(t.overlayPrefix, 2)}}`;
  return `{"overlay_prefix":${op},"boundary_addr":${quote(t.boundaryAddr)},"vni":${t.vni},"metric":${t.metric.toString()}}`;
}

function awJson<T>(aw: AnnounceWithdraw<T> | null, f: (x: T) => string): string {
  if (aw === null) return "null";
  return `{"announce":[${aw.announce.map(f).join(",")}],"withdraw":[${aw.withdraw.map(f).join(",")}]}`;
}

/** Serialise a push body for a peer speaking `ver`. */
export function serializeUpdate(u: Update, ver: ExchangeVersion): string {
  const underlay = awJson(u.underlay, (pv) => pathVectorJson(pv, ver));
  const tunnel = awJson(u.tunnel, (t) => tunnelOriginJson(t, ver));
  return `{"underlay":${underlay},"tunnel":${tunnel}}`;
}

/** Serialise a pull answer; empty sets are sent as null, as ddmd does. */
export function serializePullResponse(p: PullResponse, ver: ExchangeVersion): string {
  const underlay =
    p.underlay.length === 0 ? "null" : `[${p.underlay.map((pv) => pathVectorJson(pv, ver)).join(",")}]`;
  const tunnel =
    p.tunnel.length === 0 ? "null" : `[${p.tunnel.map((t) => tunnelOriginJson(t, ver)).join(",")}]`;
  return `{"underlay":${underlay},"tunnel":${tunnel}}`;
}

/** Re-encode a push body between versions (a v2 push is handled as v3 internally, spec §1.3). */
export function convertUpdate(text: string, from: ExchangeVersion, to: ExchangeVersion): R<string> {
  const u = parseUpdate(text, from);
  return u.ok ? ok(serializeUpdate(u.value, to)) : u;
}

/** Re-encode a pull answer between versions. */
export function convertPullResponse(text: string, from: ExchangeVersion, to: ExchangeVersion): R<string> {
  const p = parsePullResponse(text, from);
  return p.ok ? ok(serializePullResponse(p.value, to)) : p;
}
