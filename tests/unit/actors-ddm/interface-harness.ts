/**
 * One DDM interface actor on a real actor system with test I/O, for the interface tests: the
 * peer's advertisement, a stub router that answers pulls with a fixed table, and short timers.
 */
import assert from "node:assert/strict";
import { interfaceSpec } from "../../../actors/ddm/interface.js";
import type { DdmIo } from "../../../actors/ddm/io.js";
import type { InterfaceMsg, InterfaceStatus, RouterMsg } from "../../../actors/ddm/messages.js";
import { createDdmMetrics } from "../../../actors/ddm/metrics.js";
import {
  type ActorRef,
  type ActorSystem,
  ask,
  createActorSystem,
  createRegistry,
  silentLogger,
  stateless,
} from "../../../actors/runtime/index.js";
import type { Millis } from "../../../protocols/common/time.js";
import {
  type DdmTimers,
  encodeDiscovery,
  type Ipv6Addr,
  type PullResponse,
} from "../../../protocols/ddm/index.js";

/** The neighbour's link-local address. */
export const PEER = "fe80::2" as Ipv6Addr;

/** A transit `t1` advertising itself. */
export const ADVERT = (() => {
  const b = encodeDiscovery({ solicit: false, advertise: true, kind: "transit", hostname: "t1" });
  assert.ok(b.ok);
  return b.value;
})();

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `f` every 5 ms, up to 2 s. */
export async function until(what: string, f: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await f()) return;
    await sleep(5);
  }
  assert.fail(`timed out waiting for ${what}`);
}

/**
 * A server `s1` on `e0` with `io`; the router stub answers every pull for the
 * peer with `table` and hands every message it gets to `onRouter` as well.
 */
export function spawnInterface(
  io: DdmIo,
  table: PullResponse,
  timers: Partial<DdmTimers> = {},
  onRouter: (m: RouterMsg) => void = () => undefined,
): { system: ActorSystem; iface: ActorRef<InterfaceMsg>; status: () => Promise<InterfaceStatus> } {
  const registry = createRegistry();
  const system = createActorSystem({ onFatal: (e) => assert.fail(e), logger: silentLogger(), registry });
  const router = system.spawn(
    stateless<RouterMsg>({
      kind: "router-stub",
      receive: (m) => {
        onRouter(m);
        if (m.t === "pullFor") m.replyTo.tell(table);
      },
    }),
    "router",
  );
  const iface = system.spawn(
    interfaceSpec({
      ifName: "e0",
      config: {
        local: { hostname: "s1", kind: "server" },
        timers: {
          solicitInterval: 50 as Millis,
          expireThreshold: 5000 as Millis,
          ipAddrWait: 10 as Millis,
          exchangeTimeout: 1000 as Millis,
          pullTimeout: 1000 as Millis,
          serverRetry: 1000 as Millis,
          ...timers,
        },
      },
      io,
      router,
      metrics: createDdmMetrics(registry),
    }),
    "iface",
  );
  const status = () =>
    ask<InterfaceMsg, InterfaceStatus>(iface, (replyTo) => ({ t: "status", replyTo }), 2000);
  return { system, iface, status };
}
