/**
 * One benchmark BFD node: an actor system and a `BfdService` (the daemon's own BFD code, without
 * the HTTP API) whose sockets live in a network namespace, with N single-hop peers, driven over
 * the IPC channel by `run.ts`. It runs in its own process so its CPU time and RSS are its own.
 * Besides the sessions' counters it reports the event loop's delay over the window, which tells
 * a stalled loop (a late timer) from lost packets when a session falsely goes Down.
 */
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { pino } from "pino";
import { BfdService, parsePeerSpec, type PeerSpec } from "../../actors/bfd/index.js";
import { createActorSystem } from "../../actors/runtime/system.js";
import { type BfdTransport, type ListenerSocket, udpTransport } from "../../dataplane/bfd/index.js";
import { addr } from "./lab.js";

/** What `run.ts` passes in argv[2]. */
export interface NodeArgs {
  readonly netns: string;
  readonly side: 0 | 1;
  readonly n: number;
  readonly intervalUs: number;
  readonly mult: number;
}

/** Requests `run.ts` sends. */
export type NodeReq = { t: "status" } | { t: "mark" } | { t: "detections"; since: number } | { t: "now" };

const args = JSON.parse(process.argv[2] ?? "{}") as NodeArgs;
const actors = createActorSystem({ onFatal: (e) => console.error("fatal", e) });
// Keep the listening sockets, to compare datagrams read with packets the sessions handled.
const listeners: ListenerSocket[] = [];
const udp = udpTransport({ netns: args.netns, receiveBufferSize: 4 << 20 });
const transport: BfdTransport = {
  sender: (o) => udp.sender(o),
  listen: (o) => {
    const r = udp.listen(o);
    if (r.ok) listeners.push(r.value);
    return r;
  },
};
const service = new BfdService({
  actors,
  transport,
  logger: pino({ level: "warn" }),
  askTimeoutMs: 30_000,
});
const peers = new Map<string, PeerSpec>();
for (let i = 0; i < args.n; i++) {
  const local = addr(i, args.side);
  const peer = addr(i, args.side === 0 ? 1 : 0);
  const r = parsePeerSpec(
    { peer, listen: local, mode: "SingleHop", requiredRxUs: args.intervalUs, detectMult: args.mult },
    "config",
  );
  if (!r.ok) throw new Error(r.error.message);
  peers.set(peer, r.value);
}
service.start(peers);

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
// Garbage-collection pauses over the window: a long one stalls every timer at once.
const gc = { count: 0, totalMs: 0, maxMs: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.count += 1;
    gc.totalMs += e.duration;
    gc.maxMs = Math.max(gc.maxMs, e.duration);
  }
}).observe({ entryTypes: ["gc"] });
let markCpu = process.cpuUsage();
let markAt = performance.now();
let markFlaps = 0;
let markSent = 0;
let markReceived = 0;
let markRead = 0;
const datagramsRead = () => listeners.reduce((n, l) => n + l.received, 0);

/** "t s × count (reasons)" per whole second, the busiest first. */
function clusters(xs: readonly { at: number; reason: string }[]): string[] {
  const by = new Map<number, { n: number; reasons: Set<string> }>();
  for (const x of xs) {
    const k = Math.floor(x.at);
    const c = by.get(k) ?? { n: 0, reasons: new Set<string>() };
    c.n += 1;
    c.reasons.add(x.reason);
    by.set(k, c);
  }
  return [...by]
    .sort((a, b) => b[1].n - a[1].n)
    .slice(0, 8)
    .map(([k, c]) => `${k}s×${c.n} (${[...c.reasons].join(",")})`);
}

async function summary() {
  const t0 = performance.now();
  const all = await service.list();
  const listMs = performance.now() - t0;
  const states: Record<string, number> = {};
  let flaps = 0;
  let sendFailures = 0;
  let sent = 0;
  let received = 0;
  const drops: Record<string, number> = {};
  // When sessions left Up during the window (s since the mark) and why: clustered instants
  // point at a stall of this process, spread ones at lost packets.
  const leftUp: { at: number; reason: string }[] = [];
  for (const s of all) {
    for (const h of s.history)
      if (h.from === "Up" && h.atMono >= markAt)
        leftUp.push({ at: (h.atMono - markAt) / 1000, reason: h.reason });
    states[s.state] = (states[s.state] ?? 0) + 1;
    flaps += s.counters.flaps;
    sendFailures += s.counters.sendFailures;
    sent += s.counters.sent;
    received += s.counters.received;
    for (const [k, v] of Object.entries(s.counters.drops)) drops[k] = (drops[k] ?? 0) + v;
  }
  const cpu = process.cpuUsage(markCpu);
  const wallMs = performance.now() - markAt;
  return {
    states,
    flaps,
    sent,
    received,
    sendFailures,
    drops,
    falseDowns: flaps - markFlaps,
    sentPerSec: ((sent - markSent) * 1000) / wallMs,
    receivedPerSec: ((received - markReceived) * 1000) / wallMs,
    readPerSec: ((datagramsRead() - markRead) * 1000) / wallMs,
    cpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
    userPercent: (cpu.user / 1000 / wallMs) * 100,
    rssMiB: process.memoryUsage().rss / 2 ** 20,
    heapMiB: process.memoryUsage().heapUsed / 2 ** 20,
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    loopDelayMaxMs: loopDelay.max / 1e6,
    gc: { ...gc },
    listMs,
    leftUp: clusters(leftUp),
    wallMs,
  };
}

process.on("message", (m: NodeReq) => {
  void (async () => {
    switch (m.t) {
      case "status":
        process.send?.({ t: "status", ...(await summary()) });
        break;
      case "mark": {
        const s = await summary();
        markFlaps = s.flaps;
        markSent = s.sent;
        markReceived = s.received;
        markRead = datagramsRead();
        markCpu = process.cpuUsage();
        markAt = performance.now();
        loopDelay.reset();
        Object.assign(gc, { count: 0, totalMs: 0, maxMs: 0 });
        process.send?.({ t: "mark" });
        break;
      }
      case "now":
        process.send?.({ t: "now", now: performance.now() });
        break;
      case "detections": {
        // For every session now Down by detection expiry: ms from `since` (just before the peer
        // was killed) to the transition, minus that session's Detection Time; ≤ 0 is on time,
        // since the last packet arrived before `since`.
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
// Exit normally on SIGTERM so `--cpu-prof` writes its profile.
process.on("SIGTERM", () => process.exit(0));
// Never outlive the bench (a killed `run.ts` disconnects the channel).
process.on("disconnect", () => process.exit(0));
process.send?.({ t: "ready" });
