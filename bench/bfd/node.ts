/**
 * One benchmark BFD node: an actor system and a `BfdService` whose sockets live in a network
 * namespace, with N single-hop peers, driven over the IPC channel by `run.ts`. It runs in its own
 * process so its CPU time and RSS are its own.
 */
import { pino } from "pino";
import { createActorSystem } from "../../actors/runtime/system.js";
import { BfdService, parsePeerSpec, type PeerSpec } from "../../actors/bfd/index.js";
import { udpTransport } from "../../dataplane/bfd/index.js";

interface Args {
  readonly netns: string;
  readonly pairs: readonly (readonly [local: string, peer: string])[];
  readonly intervalUs: number;
  readonly mult: number;
}

const args = JSON.parse(process.argv[2] ?? "{}") as Args;
const actors = createActorSystem({ onFatal: (e) => console.error("fatal", e) });
const service = new BfdService({
  actors,
  transport: udpTransport({ netns: args.netns, receiveBufferSize: 4 << 20 }),
  logger: pino({ level: "warn" }),
  askTimeoutMs: 30_000,
});
const peers = new Map<string, PeerSpec>();
for (const [local, peer] of args.pairs) {
  const r = parsePeerSpec(
    { peer, listen: local, mode: "SingleHop", requiredRxUs: args.intervalUs, detectMult: args.mult },
    "config",
  );
  if (!r.ok) throw new Error(r.error.message);
  peers.set(peer, r.value);
}
service.start(peers);

let markCpu = process.cpuUsage();
let markAt = performance.now();
let markFlaps = 0;

async function summary() {
  const all = await service.list();
  const states: Record<string, number> = {};
  let flaps = 0;
  let sendFailures = 0;
  const drops: Record<string, number> = {};
  for (const s of all) {
    states[s.state] = (states[s.state] ?? 0) + 1;
    flaps += s.counters.flaps;
    sendFailures += s.counters.sendFailures;
    for (const [k, v] of Object.entries(s.counters.drops)) drops[k] = (drops[k] ?? 0) + v;
  }
  const cpu = process.cpuUsage(markCpu);
  const wallMs = performance.now() - markAt;
  return {
    states,
    flaps,
    sendFailures,
    drops,
    falseDowns: flaps - markFlaps,
    cpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
    rssMiB: process.memoryUsage().rss / 2 ** 20,
    wallMs,
  };
}

type Req = { t: "status" } | { t: "mark" } | { t: "detections"; since: number } | { t: "now" };

process.on("message", (m: Req) => {
  void (async () => {
    switch (m.t) {
      case "status":
        process.send?.({ t: "status", ...(await summary()) });
        break;
      case "mark": {
        markFlaps = (await summary()).flaps;
        markCpu = process.cpuUsage();
        markAt = performance.now();
        process.send?.({ t: "mark" });
        break;
      }
      case "now":
        process.send?.({ t: "now", now: performance.now() });
        break;
      case "detections": {
        // For every session now Down by detection expiry: ms from `since` to the transition,
        // minus that session's Detection Time (≤ 0 means on time).
        const all = await service.list();
        const late: number[] = [];
        for (const s of all) {
          const last = s.history.at(-1);
          if (s.state !== "Down" || last?.reason !== "detection-expired") continue;
          // Both ends use the same interval and multiplier here, so this is the negotiated one.
          const dt = (s.spec.detectMult * s.spec.requiredRxUs) / 1000;
          late.push(last.atMono - m.since - dt);
        }
        process.send?.({ t: "detections", late, total: all.length });
        break;
      }
    }
  })();
});
process.send?.({ t: "ready" });
