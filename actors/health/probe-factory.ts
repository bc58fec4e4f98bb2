/**
 * Turn a decoded check (`CheckSpec`) into the pure core's configuration and
 * a `Probe` from `dataplane/probes/`. Parsing happens here once per backend
 * actor start, never per probe. Everything a bad check can get wrong is
 * reported as a `Result` error with the kebab-case key at fault; the config
 * layer runs the same function as a semantic rule, so a reload with a bad
 * check is refused before any actor sees it.
 */
import { assertNever } from "../../protocols/common/assert-never.js";
import { DomainError } from "../../protocols/common/domain-error.js";
import { err, ok, type Result } from "../../protocols/common/result.js";
import {
  DEFAULT_HISTORY_LIMIT,
  DEFAULT_STATUS_SET,
  type HealthConfig,
  parseHealthConfig,
  parseStatusSet,
} from "../../protocols/health/index.js";
import {
  createHttpProbe,
  createHttpsProbe,
  createIcmpProbe,
  createTcpProbe,
  type Pinger,
  type Probe,
} from "../../dataplane/probes/index.js";
import type { BackendSpec, CheckSpec } from "./types.js";

/** What building a probe needs from outside. */
export interface ProbeDeps {
  /** ICMP echo; the production one is `createIcmpPinger()` (dataplane/probes/pinger.ts). */
  readonly pinger: Pinger;
  /** `User-Agent` of HTTP probes. */
  readonly userAgent?: string;
}

/** A parse failure with the key at fault. */
export interface CheckError {
  readonly field: string;
  readonly message: string;
}

/** The core's config for a backend (static when `check` is undefined). */
export function healthConfigOf(
  check: CheckSpec | undefined,
  historyLimit = DEFAULT_HISTORY_LIMIT,
): Result<HealthConfig, CheckError> {
  const r = parseHealthConfig(check, historyLimit);
  if (r.ok) return r;
  return err({ field: r.error.field ?? "", message: r.error.message });
}

function compileRegex(text: string): Result<RegExp, CheckError> {
  try {
    return ok(new RegExp(text));
  } catch (e: unknown) {
    return err({ field: "http.body-regex", message: e instanceof Error ? e.message : String(e) });
  }
}

/** Build the probe of `check`, or say which key is wrong. */
export function buildProbe(check: CheckSpec, deps: ProbeDeps): Result<Probe, CheckError> {
  const timeoutMs = healthConfigOf(check);
  if (!timeoutMs.ok) return timeoutMs;
  const common = {
    timeoutMs: timeoutMs.value.timing?.timeout ?? 1000,
    ...(check.sourceIpv4 === undefined ? {} : { sourceIpv4: check.sourceIpv4 }),
    ...(check.sourceIpv6 === undefined ? {} : { sourceIpv6: check.sourceIpv6 }),
  };
  try {
    switch (check.type) {
      case "icmp":
        return ok(createIcmpProbe({ ...common, pinger: deps.pinger }));
      case "tcp": {
        if (check.port === undefined) return err({ field: "port", message: "a tcp check needs a port" });
        const t = check.tcp ?? {};
        return ok(
          createTcpProbe({
            ...common,
            port: check.port,
            ...(t.send === undefined ? {} : { send: t.send }),
            ...(t.expect === undefined ? {} : { expect: t.expect }),
            ...(t.readLimit === undefined ? {} : { readLimit: t.readLimit }),
          }),
        );
      }
      case "http":
      case "https": {
        const h = check.http ?? {};
        const expect = parseStatusSet(h.expectStatus ?? DEFAULT_STATUS_SET);
        if (!expect.ok) return err({ field: "http.expect-status", message: expect.error.message });
        let bodyRegex: RegExp | undefined;
        if (h.bodyRegex !== undefined) {
          const re = compileRegex(h.bodyRegex);
          if (!re.ok) return re;
          bodyRegex = re.value;
        }
        const options = {
          ...common,
          expect: expect.value,
          ...(check.port === undefined ? {} : { port: check.port }),
          ...(h.path === undefined ? {} : { path: h.path }),
          ...(h.host === undefined ? {} : { host: h.host }),
          ...(h.method === undefined ? {} : { method: h.method }),
          ...(bodyRegex === undefined ? {} : { bodyRegex }),
          ...(h.bodyLimit === undefined ? {} : { bodyLimit: h.bodyLimit }),
          ...(deps.userAgent === undefined ? {} : { userAgent: deps.userAgent }),
        };
        if (check.type === "http") return ok(createHttpProbe(options));
        return ok(
          createHttpsProbe({
            ...options,
            ...(h.verify === undefined ? {} : { verify: h.verify }),
            ...(h.sni === undefined ? {} : { sni: h.sni }),
          }),
        );
      }
      default:
        return assertNever(check.type, "check type");
    }
  } catch (e: unknown) {
    // The probe constructors validate their options and throw DomainError for bad ones.
    const field =
      e instanceof DomainError && typeof e.details["field"] === "string" ? e.details["field"] : "";
    return err({ field, message: e instanceof Error ? e.message : String(e) });
  }
}

/** Validate a backend's check without building sockets (for config semantic rules). */
export function checkBackendSpec(spec: BackendSpec, deps: ProbeDeps): CheckError | undefined {
  if (spec.check === undefined) return undefined;
  const r = buildProbe(spec.check, deps);
  return r.ok ? undefined : r.error;
}
