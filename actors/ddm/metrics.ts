/**
 * DDM's metrics catalogue (spec ddm-bfd-maghemite.md §1.9 `ddm_session` and
 * `ddm_router`, as Prometheus series): discovery and exchange counters per
 * interface, a one-hot FSM state gauge, imported prefixes and tunnel
 * endpoints per interface, originated counts, and counted drop reasons.
 */
import type { Registry } from "prom-client";
import type { DdmCounter, StateName } from "../../protocols/ddm/index.js";
import { defineMetrics } from "../runtime/index.js";

/** Counters that belong to discovery (the rest are exchange counters). */
const DISCOVERY: ReadonlySet<DdmCounter> = new Set<DdmCounter>([
  "solicitations_sent",
  "solicitations_received",
  "advertisements_sent",
  "advertisements_received",
  "peer_expirations",
  "peer_address_changes",
  "peer_sessions_established",
  "advert_unknown_version_dropped",
  "own_packet_dropped",
]);

/** True for a discovery counter. */
export const isDiscoveryCounter = (c: DdmCounter): boolean => DISCOVERY.has(c);

/** The FSM states, for the one-hot gauge. */
export const STATES: readonly StateName[] = ["init", "solicit", "exchange"];

/** Build the catalogue on the daemon's registry. */
export function createDdmMetrics(registry: Registry, nexthopObjects: () => number = () => 0) {
  return defineMetrics(registry, (f) => ({
    discovery: f.counter<{ interface: string; event: string }>({
      name: "magnetite_ddm_discovery_events_total",
      help: "DDM discovery events per interface (solicitations/advertisements sent and received, peer expirations, address changes, sessions established, drops)",
      labelNames: ["interface", "event"],
    }),
    exchange: f.counter<{ interface: string; event: string }>({
      name: "magnetite_ddm_exchange_events_total",
      help: "DDM exchange events per interface (updates sent/received, send failures, rejected updates, events dropped outside Exchange)",
      labelNames: ["interface", "event"],
    }),
    vectors: f.counter<{ interface: string; direction: "sent" | "received" | "pulled" }>({
      name: "magnetite_ddm_exchange_path_vectors_total",
      help: "Underlay path vectors (announced and withdrawn) per interface: sent in pushes, received in pushes, received in pull answers",
      labelNames: ["interface", "direction"],
    }),
    dropped: f.counter<{ interface: string; reason: string }>({
      name: "magnetite_ddm_dropped_total",
      help: "DDM discovery packets and exchange requests dropped or refused, by reason code",
      labelNames: ["interface", "reason"],
    }),
    state: f.gauge<{ interface: string; state: string }>({
      name: "magnetite_ddm_fsm_state",
      help: "1 for the state each interface's DDM state machine is in, 0 for the others",
      labelNames: ["interface", "state"],
    }),
    imported: f.gauge<{ interface: string }>({
      name: "magnetite_ddm_imported_prefixes",
      help: "Underlay path vectors imported through each interface",
      labelNames: ["interface"],
    }),
    importedTunnels: f.gauge<{ interface: string }>({
      name: "magnetite_ddm_imported_tunnel_endpoints",
      help: "Tunnel endpoints imported through each interface",
      labelNames: ["interface"],
    }),
    originated: f.gauge({
      name: "magnetite_ddm_originated_prefixes",
      help: "Underlay prefixes this router originates",
      labelNames: [],
    }),
    originatedTunnels: f.gauge({
      name: "magnetite_ddm_originated_tunnel_endpoints",
      help: "Tunnel endpoints this router originates",
      labelNames: [],
    }),
    kernelWriteFailures: f.counter({
      name: "magnetite_ddm_kernel_write_failures_total",
      help: "Kernel route writes that failed (repaired by the next drift check)",
      labelNames: [],
    }),
    kernelWrites: f.counter<{ result: "written" | "failed" | "skipped" }>({
      name: "magnetite_ddm_kernel_route_writes_total",
      help: "Kernel route changes: written (replace or delete acknowledged), failed, or skipped because the kernel already held the desired route (e.g. routes kept across a restart)",
      labelNames: ["result"],
    }),
    kernelLastWrite: f.gauge({
      name: "magnetite_ddm_kernel_last_write_timestamp_seconds",
      help: "Unix time at which the last batch of kernel route writes landed (when the FIB last changed)",
      labelNames: [],
    }),
    kernelDriftRepairs: f.counter<{ op: "replace" | "remove" }>({
      name: "magnetite_ddm_kernel_drift_repairs_total",
      help: "Kernel routes rewritten or removed by the drift check",
      labelNames: ["op"],
    }),
    kernelNexthopObjects: f.gauge({
      name: "magnetite_ddm_kernel_nexthop_objects",
      help: "Kernel nexthop objects of ours that routes name (one per neighbour, one group per ECMP set); 0 when routes carry their gateways",
      labelNames: [],
      collect: (g) => g.set({}, nexthopObjects()),
    }),
  }));
}

/** The DDM metrics catalogue. */
export type DdmMetrics = ReturnType<typeof createDdmMetrics>;
