/**
 * Helpers for BFD tests in network namespaces: an in-process magnetite daemon whose BFD sockets
 * live in a namespace (dgram-extended opens them there), driven through its REST API; bounded
 * polling; and a crafted Control packet sender.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { createUdpSocket } from "dgram-extended";
import { type Daemon, startDaemon } from "../../../api/daemon/daemon.js";
import { defaultConfig } from "../../../api/config/loader.js";
import { bfdSubsystem } from "../../../api/routes/bfd.js";
import type { BfdPeerDetail, BfdPeerInfo } from "../../../api/schemas/bfd.js";
import { encode } from "../../../protocols/bfd/index.js";
import type { Micros } from "../../../protocols/common/time.js";

/** A daemon running BFD inside namespace `ns`. */
export class BfdDaemon {
  private constructor(
    readonly daemon: Daemon,
    private readonly dir: string,
  ) {}

  static async start(ns: string): Promise<BfdDaemon> {
    const dir = await mkdtemp(join(tmpdir(), "mgt-bfd-"));
    const daemon = await startDaemon(
      {
        stateDir: dir,
        api: { host: "127.0.0.1", port: 0 },
        logger: pino({ level: process.env["BFD_TEST_LOG"] ?? "silent" }),
        onFatal: (e) => {
          throw e;
        },
        subsystems: (ctx) => [bfdSubsystem(ctx, { netns: ns })],
      },
      defaultConfig(),
    );
    return new BfdDaemon(daemon, dir);
  }

  async request(method: "GET" | "PUT" | "PATCH" | "DELETE", url: string, payload?: unknown) {
    const r =
      payload === undefined
        ? await this.daemon.app.inject({ method, url })
        : await this.daemon.app.inject({ method, url, payload: payload as Record<string, unknown> });
    return { status: r.statusCode, body: r.body, json: (): unknown => r.json() };
  }

  async addPeer(body: Record<string, unknown>): Promise<void> {
    const r = await this.request("PUT", "/bfd/peers", body);
    if (r.status !== 204) throw new Error(`PUT /bfd/peers: ${r.status} ${r.body}`);
  }

  async peers(): Promise<BfdPeerInfo[]> {
    return (await this.request("GET", "/bfd/peers")).json() as BfdPeerInfo[];
  }

  async peer(addr: string): Promise<BfdPeerDetail> {
    const r = await this.request("GET", `/bfd/peers/${encodeURIComponent(addr)}`);
    if (r.status !== 200) throw new Error(`GET /bfd/peers/${addr}: ${r.status} ${r.body}`);
    return r.json() as BfdPeerDetail;
  }

  async patch(addr: string, body: Record<string, unknown>): Promise<BfdPeerDetail> {
    const r = await this.request("PATCH", `/bfd/peers/${encodeURIComponent(addr)}`, body);
    if (r.status !== 200) throw new Error(`PATCH: ${r.status} ${r.body}`);
    return r.json() as BfdPeerDetail;
  }

  async metrics(): Promise<string> {
    return (await this.daemon.app.inject({ method: "GET", url: "/metrics" })).body;
  }

  async stop(): Promise<void> {
    await this.daemon.stop(5000).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Poll `probe` every `everyMs` until it returns a value (not undefined) or `ms` pass. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms: number,
  everyMs = 50,
): Promise<T> {
  const until = performance.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e: unknown) {
      last = e;
    }
    if (performance.now() > until)
      throw new Error(`timed out after ${ms} ms waiting for ${what} (${String(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Send one crafted Control packet from namespace `ns` with the given TTL. */
export function sendForged(
  ns: string,
  family: 4 | 6,
  to: string,
  fields: { myDiscr: number; yourDiscr: number; state: "Down" | "Up" },
  ttl: number,
): void {
  const bytes = encode({
    diag: 0,
    state: fields.state,
    poll: false,
    final: false,
    controlPlaneIndependent: false,
    demand: false,
    multipoint: false,
    detectMult: 3,
    myDiscr: fields.myDiscr,
    yourDiscr: fields.yourDiscr,
    desiredMinTx: 100_000 as Micros,
    requiredMinRx: 100_000 as Micros,
    requiredMinEchoRx: 0 as Micros,
    auth: null,
  });
  const s = createUdpSocket({ family, netns: ns, ttl });
  try {
    s.send(bytes, to, 3784);
  } finally {
    s.close();
  }
}
