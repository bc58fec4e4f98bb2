/**
 * Config-file primitives that JSON Schema cannot express on its own:
 * durations, IP addresses and `HOST:PORT` listen addresses. Each is a TypeBox
 * custom kind (so `Value.Errors` reports it at the right path) with an
 * `explain` function that turns a rejection into an operator-readable message.
 * Durations additionally decode to branded `Millis` via a TypeBox transform.
 */
import { isIP } from "node:net";
import { Kind, type StaticDecode, type TSchema, Type, TypeRegistry } from "@sinclair/typebox";
import { InvariantError } from "../../protocols/common/domain-error.js";
import { err, ok, type Result } from "../../protocols/common/result.js";
import type { Millis } from "../../protocols/common/time.js";
import { formatDuration, parseDuration } from "./duration.js";

const DURATION_KIND = "Cfg.Duration";
const IP_KIND = "Cfg.IpAddress";
const HOST_PORT_KIND = "Cfg.HostPort";

interface DurationSchema {
  readonly minMillis?: number;
  readonly maxMillis?: number;
}
interface IpSchema {
  readonly family?: 4 | 6;
}

/** A parsed `HOST:PORT`. `host` is an IPv4/IPv6 literal (without brackets) or a DNS name. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens.
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * Parse `127.0.0.1:4680`, `[::1]:4680` or `localhost:4680`. IPv6 literals must
 * be bracketed (RFC 3986 §3.2.2), otherwise the port would be ambiguous.
 */
export function parseListenAddress(text: string): Result<ListenAddress, string> {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]\s]+):(\d{1,5})$/.exec(text);
  if (m === null) return err(`"${text}" is not HOST:PORT (write IPv6 as [::1]:PORT)`);
  const [, host, portText] = m as unknown as [string, string, string];
  const bracketed = text.startsWith("[");
  if (bracketed && isIP(host) !== 6) return err(`"${host}" in brackets is not an IPv6 address`);
  if (!bracketed && isIP(host) !== 4 && !HOSTNAME.test(host)) {
    return err(`"${host}" is neither an IPv4 address nor a host name`);
  }
  const port = Number(portText);
  if (port > 65535) return err(`port ${port} is out of range 0..65535`);
  return ok({ host, port });
}

/** Why `value` fails a duration schema, or undefined when it passes. */
function explainDuration(schema: DurationSchema, value: unknown): string | undefined {
  const r = parseDuration(value);
  if (!r.ok) return r.error.message;
  if (schema.minMillis !== undefined && r.value < schema.minMillis) {
    return `must be at least ${formatDuration(schema.minMillis as Millis)}`;
  }
  if (schema.maxMillis !== undefined && r.value > schema.maxMillis) {
    return `must be at most ${formatDuration(schema.maxMillis as Millis)}`;
  }
  return undefined;
}

function explainIp(schema: IpSchema, value: unknown): string | undefined {
  const family = typeof value === "string" ? isIP(value) : 0;
  const want = schema.family === undefined ? "an IP address" : `an IPv${schema.family} address`;
  if (family === 0) return `expected ${want}, got ${JSON.stringify(value)}`;
  if (schema.family !== undefined && family !== schema.family)
    return `expected ${want}, got IPv${family} ${value}`;
  return undefined;
}

function explainHostPort(_schema: unknown, value: unknown): string | undefined {
  if (typeof value !== "string") return `expected "HOST:PORT", got ${JSON.stringify(value)}`;
  const r = parseListenAddress(value);
  return r.ok ? undefined : r.error;
}

const explainers: ReadonlyMap<string, (schema: never, value: unknown) => string | undefined> = new Map<
  string,
  (schema: never, value: unknown) => string | undefined
>([
  [DURATION_KIND, explainDuration],
  [IP_KIND, explainIp],
  [HOST_PORT_KIND, explainHostPort],
]);

for (const [kind, explain] of explainers) {
  TypeRegistry.Set<never>(kind, (schema, value) => explain(schema, value) === undefined);
}

/** The message for a value rejected by one of our custom kinds, or undefined for other schemas. */
export function explainCustomKind(schema: TSchema, value: unknown): string | undefined {
  const explain = explainers.get(schema[Kind]);
  return explain === undefined ? undefined : explain(schema as never, value);
}

/**
 * A duration string decoding to `Millis`. `default` is written as a string
 * (`"2s"`) because defaults are applied before decoding.
 */
export function Duration(
  options: { default?: string; min?: string; max?: string; description?: string } = {},
) {
  const bound = (s: string | undefined): number | undefined => {
    if (s === undefined) return undefined;
    const r = parseDuration(s);
    if (!r.ok) throw new InvariantError(`bad duration bound in schema: ${s}`);
    return r.value;
  };
  const { min, max, ...rest } = options;
  const minMillis = bound(min);
  const maxMillis = bound(max);
  return Type.Transform(
    Type.Unsafe<string>({
      [Kind]: DURATION_KIND,
      type: "string",
      ...rest,
      ...(minMillis === undefined ? {} : { minMillis }),
      ...(maxMillis === undefined ? {} : { maxMillis }),
    }),
  )
    .Decode((s): Millis => {
      const r = parseDuration(s);
      // Unreachable after validation; a throw here is a bug in the loader.
      if (!r.ok) throw new InvariantError(`duration decoded before validation: ${r.error.message}`);
      return r.value;
    })
    .Encode((ms) => formatDuration(ms));
}

/** An IP address literal, optionally restricted to one family. Kept as written. */
export function IpAddress(options: { family?: 4 | 6; description?: string } = {}) {
  return Type.Unsafe<string>({ [Kind]: IP_KIND, type: "string", ...options });
}

/** A `HOST:PORT` listen address decoding to `{ host, port }`. */
export function HostPort(options: { default?: string; description?: string } = {}) {
  return Type.Transform(Type.Unsafe<string>({ [Kind]: HOST_PORT_KIND, type: "string", ...options }))
    .Decode((s): ListenAddress => {
      const r = parseListenAddress(s);
      if (!r.ok) throw new InvariantError(`listen address decoded before validation: ${r.error}`);
      return r.value;
    })
    .Encode((a) => (isIP(a.host) === 6 ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`));
}

/** A mapping of operator-chosen names to `item`. Names are case-sensitive and unique (YAML keys). */
export function NamedMap<T extends TSchema>(item: T, description: string) {
  // `default: {}` on both levels makes Value.Default create the map when the
  // key is absent and descend into every entry (TypeBox only visits record
  // values whose schema carries a default).
  return Type.Record(Type.String(), { ...item, default: {} }, { default: {}, description });
}

/** The decoded (runtime) type of a schema: durations are `Millis`, listen addresses objects. */
export type Decoded<T extends TSchema> = StaticDecode<T>;
