/**
 * Cross-object rules, run after the schema passed (maglev-vpp.md §2.1: the
 * second, "semantic" validation stage). A rule sees the decoded config and
 * reports issues by key path; the loader's locator turns paths into
 * `file:line:col`. Subsystems add rules by appending to `defaultRules` (or
 * passing their own list), so the loader never needs to know them.
 */
import { isIP } from "node:net";
import { parseIp } from "../../protocols/lb/ip.js";
import type { ConfigIssue, PathSegments } from "./issue.js";
import { type Locator, unlocated } from "./locate.js";
import { healthcheckValues } from "./sections/healthchecks.js";
import type { Config } from "./schema.js";
import { parsePeerSpec } from "../../actors/bfd/peer-spec.js";
import { bfdPeerInput } from "./sections/bfd.js";

/** Report one problem at `path`; `target: "key"` points at the key rather than its value. */
export type Report = (path: PathSegments, message: string, target?: "key" | "value") => void;
/** A cross-object check. */
export type SemanticRule = (config: Config, report: Report) => void;

/** §2.5: a backend's `healthcheck` must name a defined health check. */
export const backendHealthcheckExists: SemanticRule = (config, report) => {
  for (const [name, b] of Object.entries(config.backends)) {
    if (b.healthcheck !== undefined && !(b.healthcheck in config.healthchecks)) {
      report(
        ["backends", name, "healthcheck"],
        `healthcheck "${b.healthcheck}" is not defined in healthchecks`,
      );
    }
  }
};

/** §2.4: tcp/http/https probes need a destination port; `http` parameters only make sense for http/https. */
export const healthcheckShape: SemanticRule = (config, report) => {
  for (const [name, h] of Object.entries(config.healthchecks)) {
    if (h.type !== "icmp" && h.port === undefined) {
      report(["healthchecks", name], `a ${h.type} health check needs a port`, "key");
    }
    if (h.http !== undefined && h.type !== "http" && h.type !== "https") {
      report(["healthchecks", name, "http"], `http parameters need type http or https, not ${h.type}`, "key");
    }
  }
};

/** The address family of every backend a frontend uses, with one example path each. */
function frontendFamilies(config: Config, name: string): Map<number, PathSegments> {
  const families = new Map<number, PathSegments>();
  const f = config.frontends[name];
  f?.pools.forEach((pool, i) => {
    for (const member of Object.keys(pool.backends)) {
      const b = config.backends[member];
      if (b === undefined) continue;
      const fam = isIP(b.address);
      if (!families.has(fam)) families.set(fam, ["frontends", name, "pools", i, "backends", member]);
    }
  });
  return families;
}

/**
 * §2.1: pool members must exist; all backends of one frontend share one
 * family (VPP derives the VIP's GRE encap from it, §2.6); pool names are
 * unique within a frontend (our rule: the API addresses pools by name).
 */
export const frontendPools: SemanticRule = (config, report) => {
  for (const [name, f] of Object.entries(config.frontends)) {
    const poolNames = new Set<string>();
    f.pools.forEach((pool, i) => {
      if (poolNames.has(pool.name))
        report(["frontends", name, "pools", i, "name"], `duplicate pool name "${pool.name}"`);
      poolNames.add(pool.name);
      for (const member of Object.keys(pool.backends)) {
        if (!(member in config.backends)) {
          report(
            ["frontends", name, "pools", i, "backends", member],
            `backend "${member}" is not defined`,
            "key",
          );
        }
      }
    });
    const families = frontendFamilies(config, name);
    if (families.size > 1) {
      const second = [...families.values()][1] ?? ["frontends", name];
      report(second, `frontend "${name}" mixes IPv4 and IPv6 backends; all must share one family`, "key");
    }
  }
};

/**
 * §2.1 (cross-frontend): frontends sharing a VIP address must use backends of
 * one family, since VPP allows one encap per VIP prefix (`lb_add_del_vip_v2`
 * fails with -73 otherwise).
 */
export const sharedVipFamily: SemanticRule = (config, report) => {
  const byVip = new Map<string, { name: string; family: number }>();
  for (const name of Object.keys(config.frontends).sort()) {
    const f = config.frontends[name];
    const families = [...frontendFamilies(config, name).keys()];
    if (f === undefined || families.length !== 1) continue;
    const family = families[0] ?? 0;
    // Compare canonical addresses: "2001:DB8:0::80" and "2001:db8::80" are one VIP to VPP.
    const parsed = parseIp(f.address);
    const vip = parsed.ok ? String(parsed.value) : f.address;
    const first = byVip.get(vip);
    if (first === undefined) byVip.set(vip, { name, family });
    else if (first.family !== family) {
      report(
        ["frontends", name, "address"],
        `VIP ${f.address} is shared with frontend "${first.name}" whose backends are IPv${first.family}; these are IPv${family}`,
      );
    }
  }
};

/**
 * LB (maglev-vpp §2.6, §6.4): no two frontends may map to one VIP key
 * (address, protocol, port), compared on the canonical address, with port 0
 * meaning every protocol as VPP stores it; and one address cannot carry both
 * an all-port and a per-port VIP (VPP answers -81). An absent protocol with
 * a port is kept as "any" (255), as §2.6 reads; we do not guess tcp.
 */
export const frontendVips: SemanticRule = (config, report) => {
  const keys = new Map<string, string>();
  const portKinds = new Map<string, { name: string; allPorts: boolean }>();
  for (const name of Object.keys(config.frontends).sort()) {
    const f = config.frontends[name];
    if (f === undefined) continue;
    const a = parseIp(f.address);
    if (!a.ok) continue;
    const key = `${a.value} ${f.port === 0 ? "any" : (f.protocol ?? "any")} ${f.port}`;
    const other = keys.get(key);
    if (other !== undefined) {
      report(
        ["frontends", name, "address"],
        `frontend "${other}" already uses VIP ${a.value} port ${f.port}`,
      );
    } else keys.set(key, name);
    const kind = portKinds.get(a.value);
    if (kind === undefined) portKinds.set(a.value, { name, allPorts: f.port === 0 });
    else if (kind.allPorts !== (f.port === 0)) {
      report(
        ["frontends", name, "port"],
        `VIP ${a.value} cannot be both all-ports and per-port (frontend "${kind.name}"); VPP refuses it`,
      );
    }
  }
};

/** LB dataplane settings (§2.3, §4.5): warmup bounds in order, `lb_conf` values VPP accepts. */
export const lbDataplaneSettings: SemanticRule = (config, report) => {
  const d = config.dataplane;
  if (d["startup-min-delay"] > d["startup-max-delay"]) {
    report(["dataplane", "startup-min-delay"], "must not exceed startup-max-delay");
  }
  const buckets = d["sticky-buckets-per-core"];
  if (buckets !== undefined && (buckets & (buckets - 1)) !== 0) {
    report(["dataplane", "sticky-buckets-per-core"], `${buckets} is not a power of two (VPP refuses it)`);
  }
  const timeout = d["flow-timeout"];
  if (timeout !== undefined && timeout % 1000 !== 0) {
    report(["dataplane", "flow-timeout"], "must be a whole number of seconds (lb_conf carries seconds)");
  }
};

/** BFD: `listen` and `peer` share a family; one session per peer address (mgd answers 409 for a duplicate). */
export const bfdPeers: SemanticRule = (config, report) => {
  const seen = new Map<string, string>();
  for (const [name, p] of Object.entries(config.bfd.peers)) {
    if (isIP(p.listen) !== isIP(p.peer)) {
      report(
        ["bfd", "peers", name, "listen"],
        `listen ${p.listen} and peer ${p.peer} are different address families`,
      );
    }
    const other = seen.get(p.peer);
    if (other !== undefined)
      report(["bfd", "peers", name, "peer"], `peer ${p.peer} is already configured as "${other}"`);
    else seen.set(p.peer, name);
  }
};

/**
 * BFD: each peer passes the same checks as a REST-added one (RFC 5881 §5: a single-hop session
 * always requires TTL 255, so `minimum-ttl` is for multi-hop; auth secrets fit their type, §4.2–4.4).
 */
export const bfdPeerSettings: SemanticRule = (config, report) => {
  for (const [name, p] of Object.entries(config.bfd.peers)) {
    if (isIP(p.listen) !== isIP(p.peer)) continue; // reported by bfdPeers
    const r = parsePeerSpec(bfdPeerInput(p), "config");
    if (r.ok) continue;
    const field = CONFIG_FIELD[r.error.field ?? ""] ?? [];
    report(["bfd", "peers", name, ...field], r.error.message);
  }
};

/** REST field names (used in BFD errors) to config keys. */
const CONFIG_FIELD: Readonly<Record<string, readonly string[]>> = {
  peer: ["peer"],
  listen: ["listen"],
  required_rx: ["required-rx"],
  desired_tx: ["desired-tx"],
  detection_threshold: ["detection-threshold"],
  min_ttl: ["minimum-ttl"],
  "auth.secret": ["auth", "secret"],
  "auth.key_id": ["auth", "key-id"],
};

/** Empty names are legal YAML keys but useless as identifiers in the API and CLI. */
export const nonEmptyNames: SemanticRule = (config, report) => {
  for (const section of ["healthchecks", "backends", "frontends"] as const) {
    if ("" in config[section]) report([section, ""], "names must not be empty", "key");
  }
  if ("" in config.bfd.peers) report(["bfd", "peers", ""], "names must not be empty", "key");
};

/** The rules the loader runs by default. Subsystems append theirs here. */
export const defaultRules: SemanticRule[] = [
  nonEmptyNames,
  backendHealthcheckExists,
  healthcheckShape,
  healthcheckValues,
  frontendPools,
  sharedVipFamily,
  frontendVips,
  lbDataplaneSettings,
  bfdPeers,
  bfdPeerSettings,
];

/** Run `rules` over a decoded config; an empty list means the config is consistent. */
export function validateSemantics(
  config: Config,
  locate: Locator = unlocated(),
  rules: readonly SemanticRule[] = defaultRules,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const rule of rules)
    rule(config, (path, message, target) => issues.push(locate(path, message, target)));
  return issues;
}
