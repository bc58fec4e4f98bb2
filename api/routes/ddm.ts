/**
 * The DDM admin API, compatible with ddm-admin 2.0.0 (spec
 * ddm-bfd-maghemite.md §1.4), plus `GET /ddm/interfaces`, and the DDM
 * subsystem factory the composition root lists.
 *
 * Behaviour kept from ddmd: `GET /peers` lists only interfaces that have a
 * peer, keyed by interface index, with `kind` as an integer; `api-version:
 * 1.0.0` gets v1 status strings; `DELETE /peers/{addr}` and `PUT /sync` are
 * 204 even when nothing matched; `PUT|DELETE /prefix` and `/tunnel_endpoint`
 * persist before announcing. `GET /prefixes` groups by nexthop address.
 */
import { hostname as systemHostname } from "node:os";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import { fromStored } from "../../actors/ddm/persistence.js";
import type { DdmService, DdmSettings } from "../../actors/ddm/service.js";
import { DdmService as Service } from "../../actors/ddm/service.js";
import type { InterfaceStatus, RibView } from "../../actors/ddm/messages.js";
import type { Millis } from "../../protocols/common/time.js";
import {
  formatNet,
  isValidHostname,
  type Ipv6Net,
  parseIpv6,
  parseIpv6Net,
  parseUpdate,
  peerStatusV1,
  type PrefixSet,
  type TunnelOrigin,
} from "../../protocols/ddm/index.js";
import type { Config } from "../config/schema.js";
import type { SubsystemContext } from "../daemon/daemon.js";
import type { Subsystem } from "../daemon/subsystem.js";
import { ApiError, registerErrorCodes } from "../errors.js";
import { errorResponses } from "../schemas/common.js";
import {
  AddrParam,
  InterfaceList,
  type InterfaceRow,
  PeersV1,
  PeersV2,
  PrefixList,
  Prefixes,
  TunnelOriginList,
  TunnelRouteList,
} from "../schemas/ddm.js";

/** HTTP statuses of the DDM subsystem's codes (style guide rule 32). */
export const ddmErrorCodes = {
  /** A prefix or address in the path or body is not IPv6 text. */
  DDM_E_BAD_PREFIX: 400,
  /** A body that is not the expected list (of prefixes or tunnel endpoints). */
  DDM_E_BAD_BODY: 400,
  /** The router could not carry out the change (e.g. the store refused the write); nothing changed. */
  DDM_E_FAILED: 500,
  /** The `ddm` config section is unusable (e.g. a hostname that is not 1..255 bytes). */
  DDM_E_CONFIG: 400,
} as const satisfies Record<string, number>;

registerErrorCodes(ddmErrorCodes);

/** What the routes need; `DdmService` provides it. */
export type DdmApi = Pick<
  DdmService,
  "interfaceStatus" | "view" | "announce" | "withdraw" | "expirePeer" | "sync"
>;

const duration = (ms: Millis) => {
  const whole = Math.max(0, ms);
  return { secs: Math.floor(whole / 1000), nanos: Math.round((whole % 1000) * 1e6) % 1_000_000_000 };
};
const kindNumber = (k: "server" | "transit"): number => (k === "server" ? 0 : 1);

function parsePrefixes(list: readonly string[]): Ipv6Net[] {
  return list.map((text, i) => {
    const p = parseIpv6Net(text);
    if (!p.ok)
      throw new ApiError("DDM_E_BAD_PREFIX", `not an IPv6 prefix: ${JSON.stringify(text)}`, {
        field: `body.${i}`,
      });
    return p.value;
  });
}

/** Exact JSON of a tunnel origin (the u64 metric written as an integer literal). */
function tunnelJson(t: TunnelOrigin): string {
  return `{"overlay_prefix":${JSON.stringify(formatNet(t.overlayPrefix))},"boundary_addr":${JSON.stringify(t.boundaryAddr)},"vni":${t.vni},"metric":${t.metric.toString()}}`;
}

function parseTunnelBody(list: TunnelOriginList): TunnelOrigin[] {
  return list.map((o, i) => {
    const t = fromStored({
      overlay_prefix: o.overlay_prefix,
      boundary_addr: o.boundary_addr,
      vni: o.vni,
      metric: String(o.metric ?? 0),
    });
    if (!t.ok) throw new ApiError("DDM_E_BAD_BODY", t.error, { field: `body.${i}` });
    return t.value;
  });
}

async function must(p: Promise<{ ok: true } | { ok: false; error: string }>): Promise<void> {
  const r = await p;
  if (!r.ok) throw new ApiError("DDM_E_FAILED", r.error);
}

function interfaceRow(s: InterfaceStatus): InterfaceRow {
  return {
    name: s.ifName,
    index: s.ifIndex,
    addr: s.addr,
    state: s.status.type,
    duration: duration(s.status.duration),
    peer:
      s.status.peer === null
        ? null
        : {
            addr: s.status.peer.addr,
            host: s.status.peer.hostname,
            kind: kindNumber(s.status.peer.kind),
            exchange_version: s.neighbor?.version ?? 2,
          },
    imported_prefixes: s.importedPrefixes,
    imported_tunnel_endpoints: s.importedTunnelEndpoints,
    counters: Object.fromEntries(Object.entries(s.counters).filter(([, v]) => v !== undefined)) as Record<
      string,
      number
    >,
  };
}

/** The DDM routes over `api`. */
export const ddmRoutes =
  (api: DdmApi): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ["ddm"];

    app.get(
      "/peers",
      {
        schema: {
          tags,
          summary: "Peers by interface index (ddm-admin get_peers); api-version 1.0.0 gets v1 status strings",
          response: { 200: Type.Union([PeersV2, PeersV1]), ...errorResponses },
        },
      },
      async (req: FastifyRequest, reply) => {
        const rows = await api.interfaceStatus();
        const v1 = req.apiVersion[0] < 2;
        const out: Record<string, unknown> = {};
        for (const s of rows) {
          const p = s.status.peer;
          if (p === null) continue;
          out[String(s.ifIndex)] = {
            status: v1
              ? peerStatusV1(s.status.type)
              : { type: s.status.type, duration: duration(s.status.duration) },
            addr: p.addr,
            host: p.hostname,
            kind: kindNumber(p.kind),
          };
        }
        // Two shapes by version; written directly so one response schema documents the latest.
        return reply.type("application/json").send(JSON.stringify(out));
      },
    );

    app.delete(
      "/peers/:addr",
      {
        schema: {
          tags,
          summary: "Expire the peer with this address on whichever interface has it (204 even if none)",
          params: AddrParam,
          response: { 204: { type: "null" }, ...errorResponses },
        },
      },
      async (req, reply) => {
        const a = parseIpv6(req.params.addr);
        if (!a.ok)
          throw new ApiError("DDM_E_BAD_PREFIX", `not an IPv6 address: ${req.params.addr}`, {
            field: "params.addr",
          });
        api.expirePeer(a.value);
        return reply.status(204).send();
      },
    );

    app.get(
      "/prefixes",
      {
        schema: {
          tags,
          summary: "Imported path vectors grouped by nexthop",
          response: { 200: Prefixes, ...errorResponses },
        },
      },
      async () => {
        const v: RibView = await api.view();
        const out: Record<string, { destination: string; path: string[] }[]> = {};
        for (const r of v.routes) {
          let list = out[r.nexthop.addr];
          if (list === undefined) {
            list = [];
            out[r.nexthop.addr] = list;
          }
          list.push({ destination: formatNet(r.destination), path: [...r.path] });
        }
        return out;
      },
    );

    app.get(
      "/originated",
      {
        schema: {
          tags,
          summary: "Prefixes this router originates",
          response: { 200: PrefixList, ...errorResponses },
        },
      },
      async () => [...(await api.view()).originated],
    );

    for (const method of ["PUT", "DELETE"] as const) {
      app.route({
        method,
        url: "/prefix",
        schema: {
          tags,
          summary:
            method === "PUT"
              ? "Originate prefixes (persisted, then announced)"
              : "Withdraw originated prefixes",
          body: PrefixList,
          response: { 204: { type: "null" }, ...errorResponses },
        },
        handler: async (req, reply) => {
          const set: PrefixSet = { kind: "underlay", prefixes: parsePrefixes(req.body) };
          await must(method === "PUT" ? api.announce(set) : api.withdraw(set));
          return reply.status(204).send();
        },
      });
    }

    app.put(
      "/sync",
      {
        schema: {
          tags,
          summary: "Every interface in Exchange pulls from its peer and reconciles",
          response: { 204: { type: "null" } },
        },
      },
      async (_req, reply) => {
        api.sync();
        return reply.status(204).send();
      },
    );

    app.get(
      "/ddm/interfaces",
      {
        schema: {
          tags,
          summary: "Every configured interface: state, duration, peer, imports and counters (extension)",
          response: { 200: InterfaceList, ...errorResponses },
        },
      },
      async () => (await api.interfaceStatus()).map(interfaceRow),
    );

    // Tunnel endpoints carry a u64 metric (mgd sends u64::MAX), beyond a double:
    // their bodies are read with the exact exchange parser and written by hand.
    await app.register(async (tun) => {
      tun.removeContentTypeParser("application/json");
      tun.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
        const u = parseUpdate(`{"tunnel":{"announce":${String(body)},"withdraw":[]}}`, 3);
        if (!u.ok) {
          done(
            new ApiError("DDM_E_BAD_BODY", `expected a list of tunnel endpoints: ${u.error.detail}`),
            undefined,
          );
          return;
        }
        done(
          null,
          (u.value.tunnel?.announce ?? []).map((t) => ({
            overlay_prefix: formatNet(t.overlayPrefix),
            boundary_addr: t.boundaryAddr,
            vni: t.vni,
            metric: t.metric.toString(),
          })),
        );
      });

      for (const method of ["PUT", "DELETE"] as const) {
        tun.route({
          method,
          url: "/tunnel_endpoint",
          schema: {
            tags,
            summary:
              method === "PUT"
                ? "Originate tunnel endpoints"
                : "Withdraw originated tunnel endpoints (exact match, metric included)",
            body: TunnelOriginList,
            response: { 204: { type: "null" }, ...errorResponses },
          },
          handler: async (req, reply) => {
            const set: PrefixSet = { kind: "tunnel", origins: parseTunnelBody(req.body as TunnelOriginList) };
            await must(method === "PUT" ? api.announce(set) : api.withdraw(set));
            return reply.status(204).send();
          },
        });
      }

      tun.get(
        "/tunnel_endpoints",
        {
          schema: {
            tags,
            summary: "Imported tunnel endpoints with their nexthop",
            response: { 200: TunnelRouteList, ...errorResponses },
          },
        },
        async (_req, reply) => {
          const v = await api.view();
          const body = `[${v.tunnels.map((t) => `{"origin":${tunnelJson(t.origin)},"nexthop":${JSON.stringify(t.nexthop.addr)}}`).join(",")}]`;
          return reply.type("application/json").send(body);
        },
      );

      tun.get(
        "/originated_tunnel_endpoints",
        {
          schema: {
            tags,
            summary: "Tunnel endpoints this router originates",
            response: { 200: TunnelOriginList, ...errorResponses },
          },
        },
        async (_req, reply) => {
          const v = await api.view();
          return reply.type("application/json").send(`[${v.originatedTunnels.map(tunnelJson).join(",")}]`);
        },
      );
    });
  };

/** Decode the `ddm` config section into the service's settings. */
export function ddmSettings(config: Config, hostnameOf: () => string = systemHostname): DdmSettings {
  const c = config.ddm;
  const hostname = c.hostname ?? hostnameOf();
  if (!isValidHostname(hostname))
    throw new ApiError(
      "DDM_E_CONFIG",
      `ddm.hostname must be 1..255 bytes of UTF-8, got ${JSON.stringify(hostname)}`,
    );
  return {
    local: { hostname, kind: c.kind },
    interfaces: c.interfaces,
    timers: {
      solicitInterval: c["solicit-interval"],
      expireThreshold: c["expire-threshold"],
      ipAddrWait: c["ip-addr-wait"],
      exchangeTimeout: c["exchange-timeout"],
      pullTimeout: c["pull-timeout"],
      serverRetry: 1000 as Millis,
    },
    exchangePort: c["exchange-port"],
    exchangeBodyLimit: c["exchange-body-limit"],
    routeMetric: c["route-metric"],
    nexthopObjects: c["nexthop-objects"],
    adoptWindow: c["route-adopt-window"],
    driftCheckInterval: c["drift-check-interval"],
    cleanupOnStop: c["cleanup-on-stop"],
  };
}

/**
 * The DDM subsystem. With no interfaces configured it serves the admin API
 * only (originations are still persisted), like ddmd's `--api-only`.
 */
export function ddmSubsystem(ctx: SubsystemContext): Subsystem {
  const service = new Service({
    settings: ddmSettings(ctx.config),
    actors: ctx.actors,
    store: ctx.store,
    registry: ctx.actors.registry,
    logger: ctx.logger,
  });
  return {
    name: "ddm",
    routes: ddmRoutes(service),
    start: () => service.start(),
    stop: () => service.stop(),
    applyConfig: async (next, diff) => {
      if (!diff.ddm.changed) return;
      await service.apply(ddmSettings(next));
    },
  };
}
