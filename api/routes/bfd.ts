/**
 * BFD routes, compatible with mgd's admin API (ddm-bfd-maghemite.md §2.5): `GET /bfd/peers`,
 * `PUT /bfd/peers` (204; 409 on a duplicate; 500 on a socket error), `DELETE /bfd/peers/{addr}`
 * (204 even for an unknown peer, returned without waiting for the session). Extensions:
 * `GET /bfd/peers/{addr}` (counters, history) and `PATCH /bfd/peers/{addr}` (live timer, role
 * and admin changes; interval changes run a Poll, RFC 5880 §6.5). Handlers ask the BFD service
 * and map its snapshot; they hold no state.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Logger } from "pino";
import {
  BFD_PEERS,
  BfdError,
  BfdService,
  type PeerSpec,
  parsePeerSpec,
  type SessionSnapshot,
} from "../../actors/bfd/index.js";
import { type BfdTransport, udpTransport } from "../../dataplane/bfd/index.js";
import type { ConfigDiff } from "../config/diff.js";
import type { Config } from "../config/schema.js";
import { bfdPeerInput } from "../config/sections/bfd.js";
import type { SubsystemContext } from "../daemon/daemon.js";
import type { Subsystem } from "../daemon/subsystem.js";
import { registerErrorCodes } from "../errors.js";
import {
  AddPeerBody,
  BfdPeerDetail,
  type BfdPeerInfo,
  BfdPeerList,
  PatchPeerBody,
  PeerParams,
} from "../schemas/bfd.js";
import { errorResponses } from "../schemas/common.js";

/** HTTP status of every BFD error code (mgd's where it has one). */
export const bfdErrorCodes = {
  BFD_E_PEER_EXISTS: 409,
  BFD_E_PEER_NOT_FOUND: 404,
  BFD_E_INVALID: 400,
  BFD_E_SOCKET: 500,
  BFD_E_PERSIST: 500,
  BFD_E_CONFIG_PEER: 409,
  BFD_E_NOT_RUNNING: 503,
  RT_E_ASK_TIMEOUT: 503,
  RT_E_ASK_UNDELIVERED: 503,
} as const;

/** What the routes need: the service (once started) and the monotonic clock. */
export interface BfdRouteDeps {
  readonly service: () => BfdService;
  readonly now: () => number;
}

/** mgd's `BfdPeerInfo` plus our `options` and `status`. */
export function peerInfo(s: SessionSnapshot): BfdPeerInfo {
  const p = s.spec;
  return {
    config: {
      peer: p.peer,
      listen: p.listen,
      required_rx: p.requiredRxUs,
      detection_threshold: p.detectMult,
      mode: p.mode,
    },
    state: s.state,
    options: {
      desired_tx: p.desiredTxUs,
      passive: p.passive,
      admin_down: p.adminDown,
      min_ttl: p.minTtl,
      auth: p.auth === null ? null : { type: p.auth.type, key_id: p.auth.keyId },
      origin: p.origin,
    },
    status: {
      local_discriminator: s.localDiscr,
      remote_discriminator: s.remoteDiscr,
      local_diag: s.localDiag,
      remote_state: s.remoteState,
      remote_diag: s.remoteDiag,
      state_duration_ms: Math.floor(s.stateDurationMs),
      tx_interval_us: s.txIntervalUs,
      detection_time_us: s.detectionTimeUs,
      flaps: s.counters.flaps,
    },
  };
}

/** The per-peer view. */
export function peerDetail(s: SessionSnapshot, now: number): BfdPeerDetail {
  const c = s.counters;
  return {
    ...peerInfo(s),
    remote: {
      desired_min_tx_us: s.remote.desiredMinTxUs,
      required_min_rx_us: s.remote.requiredMinRxUs,
      detect_mult: s.remote.detectMult,
      demand: s.remote.demand,
    },
    poll_in_progress: s.pollInProgress,
    source_port: s.sourcePort,
    counters: {
      control_packets_sent: c.sent,
      control_packets_received: c.received,
      send_failures: c.sendFailures,
      transitions: c.transitions,
      flaps: c.flaps,
      polls_completed: c.pollsCompleted,
      drops: { ...c.drops },
    },
    history: s.history.map((h) => ({
      at: h.at,
      ago_ms: Math.max(0, Math.floor(now - h.atMono)),
      from: h.from,
      to: h.to,
      diag: h.diag,
      reason: h.reason,
    })),
  };
}

/** The BFD plugin. */
export const bfdRoutes =
  (deps: BfdRouteDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    registerErrorCodes(bfdErrorCodes);
    const tags = ["bfd"];

    app.get(
      "/bfd/peers",
      {
        schema: {
          tags,
          summary: "Every BFD peer with its state (mgd-compatible; extension keys options and status)",
          response: { 200: BfdPeerList, ...errorResponses },
        },
      },
      async () => (await deps.service().list()).map(peerInfo),
    );

    app.put(
      "/bfd/peers",
      {
        schema: {
          tags,
          summary: "Add a BFD peer (mgd-compatible); 409 if it exists. Persisted across restarts.",
          body: AddPeerBody,
          response: { 204: { type: "null", description: "added" }, ...errorResponses },
        },
      },
      async (req, reply) => {
        const b = req.body;
        await deps.service().add({
          peer: b.peer,
          listen: b.listen,
          mode: b.mode,
          requiredRxUs: b.required_rx,
          desiredTxUs: b.desired_tx,
          detectMult: b.detection_threshold,
          passive: b.passive,
          adminDown: b.admin_down,
          minTtl: b.min_ttl,
          auth:
            b.auth === undefined ? null : { type: b.auth.type, keyId: b.auth.key_id, secret: b.auth.secret },
        });
        return reply.status(204).send();
      },
    );

    app.get(
      "/bfd/peers/:addr",
      {
        schema: {
          tags,
          summary: "Extension: one BFD peer with counters and its transition history",
          params: PeerParams,
          response: { 200: BfdPeerDetail, ...errorResponses },
        },
      },
      async (req) => peerDetail(await deps.service().get(req.params.addr), deps.now()),
    );

    app.patch(
      "/bfd/peers/:addr",
      {
        schema: {
          tags,
          summary: "Extension: change timers, passive role or admin state live (interval changes run a Poll)",
          params: PeerParams,
          body: PatchPeerBody,
          response: { 200: BfdPeerDetail, ...errorResponses },
        },
      },
      async (req) => {
        const b = req.body;
        const s = await deps.service().update(req.params.addr, {
          requiredRxUs: b.required_rx,
          desiredTxUs: b.desired_tx,
          detectMult: b.detection_threshold,
          passive: b.passive,
          adminDown: b.admin_down,
        });
        return peerDetail(s, deps.now());
      },
    );

    app.delete(
      "/bfd/peers/:addr",
      {
        schema: {
          tags,
          summary: "Remove a BFD peer (mgd-compatible: 204 even when unknown; does not wait for the session)",
          params: PeerParams,
          response: { 204: { type: "null", description: "removed" }, ...errorResponses },
        },
      },
      async (req, reply) => {
        await deps.service().remove(req.params.addr);
        return reply.status(204).send();
      },
    );
  };

/** Options of the BFD subsystem (tests and benchmarks inject a transport or a namespace). */
export interface BfdSubsystemOptions {
  readonly transport?: BfdTransport;
  /** Open BFD sockets inside this network namespace. */
  readonly netns?: string;
  readonly ports?: { readonly singleHop: number; readonly multiHop: number };
}

/** The config file's peers, checked, by name; a peer that fails (the loader reports it) is skipped. */
export function configPeers(config: Config, log: Logger): Map<string, PeerSpec> {
  const out = new Map<string, PeerSpec>();
  for (const [name, p] of Object.entries(config.bfd.peers)) {
    const r = parsePeerSpec(bfdPeerInput(p), "config");
    if (r.ok) out.set(name, r.value);
    else log.error({ peer: name, err: r.error.message }, "BFD peer in the config is invalid; skipped");
  }
  return out;
}

/** The BFD subsystem for the composition root (`api/daemon/subsystems.ts`). */
export function bfdSubsystem(ctx: SubsystemContext, options: BfdSubsystemOptions = {}): Subsystem {
  const log = ctx.logger.child({ component: "bfd" });
  let service: BfdService | undefined;
  const running = (): BfdService => {
    if (service === undefined) throw new BfdError("BFD_E_NOT_RUNNING", "the BFD subsystem is not running");
    return service;
  };
  return {
    name: "bfd",
    routes: bfdRoutes({ service: running, now: () => ctx.actors.clock.now() }),
    async start() {
      const opened = await ctx.store.openCollection(BFD_PEERS);
      // A damaged file is left for the operator; starting without it would silently drop peers.
      if (!opened.ok) throw opened.error;
      const transport =
        options.transport ??
        udpTransport({
          ...(options.netns === undefined ? {} : { netns: options.netns }),
          onError: (e) => log.warn({ code: e.code, err: e.message }, "BFD socket error"),
        });
      service = new BfdService({
        actors: ctx.actors,
        transport,
        logger: log,
        store: opened.value,
        ...(options.ports === undefined ? {} : { ports: options.ports }),
      });
      service.start(configPeers(ctx.config, log));
    },
    async stop() {
      await service?.stop();
      service = undefined;
    },
    async applyConfig(next: Config, diff: ConfigDiff) {
      if (!diff.bfd.changed) return;
      await running().applyConfig(configPeers(next, log));
    },
  };
}
