/**
 * The BFD metrics catalogue (style guide rules 33–34; mgd's per-session counters,
 * ddm-bfd-maghemite.md §2.6, with the reason labels mgd lacks). Label cardinality: `peer` and
 * `listener` are bounded by the configured peers and listen addresses; `state`, `to`, `diag`
 * and `reason` are closed unions (session states, RFC 5880 §4.1 diagnostic names, discard codes).
 */
import type { Registry } from "prom-client";
import { SESSION_STATES, type SessionState } from "../../protocols/bfd/index.js";
import { defineMetrics } from "../runtime/index.js";

/** RFC 5880 §4.1 diagnostic names, for the `diag` label (codes 9–31 are reserved). */
const DIAG_NAMES = [
  "none",
  "control-detection-time-expired",
  "echo-function-failed",
  "neighbor-signaled-session-down",
  "forwarding-plane-reset",
  "path-down",
  "concatenated-path-down",
  "administratively-down",
  "reverse-concatenated-path-down",
] as const;

/** A diagnostic code's label value. */
export function diagName(diag: number): string {
  return DIAG_NAMES[diag] ?? "reserved";
}

/** Build the catalogue on the daemon's registry. */
export function createBfdMetrics(registry: Registry) {
  return defineMetrics(registry, (f) => ({
    state: f.gauge<{ peer: string; state: SessionState }>({
      name: "magnetite_bfd_session_state",
      help: "Session state, one-hot: 1 for the current state, 0 for the others",
      labelNames: ["peer", "state"],
    }),
    transitions: f.counter<{ peer: string; to: SessionState; diag: string }>({
      name: "magnetite_bfd_session_transitions_total",
      help: "Session state changes, by target state and the local diagnostic set with it",
      labelNames: ["peer", "to", "diag"],
    }),
    sent: f.counter<{ peer: string }>({
      name: "magnetite_bfd_control_packets_sent_total",
      help: "Control packets sent",
      labelNames: ["peer"],
    }),
    sendFailures: f.counter<{ peer: string }>({
      name: "magnetite_bfd_control_packet_send_failures_total",
      help: "Control packets the socket refused (the session then rebinds on a new source port)",
      labelNames: ["peer"],
    }),
    received: f.counter<{ peer: string }>({
      name: "magnetite_bfd_control_packets_received_total",
      help: "Control packets delivered to the session by its listener",
      labelNames: ["peer"],
    }),
    drops: f.counter<{ peer: string; reason: string }>({
      name: "magnetite_bfd_control_packets_dropped_total",
      help: "Control packets a session discarded, by reason (RFC 5880 §6.8.6 step, TTL, queue-full)",
      labelNames: ["peer", "reason"],
    }),
    listenerDrops: f.counter<{ listener: string; reason: string }>({
      name: "magnetite_bfd_listener_dropped_total",
      help: "Datagrams a listener discarded before any session, by reason: an RFC 5880 §6.8.6 code (undecodable, YOUR_DISCR_UNKNOWN, NO_SESSION, …) or retired-session (for a deleted peer's session during its AdminDown hold or the grace after it: the expected tail of a planned deletion)",
      labelNames: ["listener", "reason"],
    }),
    txInterval: f.gauge<{ peer: string }>({
      name: "magnetite_bfd_session_tx_interval_seconds",
      help: "Negotiated periodic transmit interval before jitter (RFC 5880 §6.8.7)",
      labelNames: ["peer"],
    }),
    detectionTime: f.gauge<{ peer: string }>({
      name: "magnetite_bfd_session_detection_time_seconds",
      help: "Detection Time in force (RFC 5880 §6.8.4); absent while nothing has been heard",
      labelNames: ["peer"],
    }),
  }));
}

/** The BFD metrics. */
export type BfdMetrics = ReturnType<typeof createBfdMetrics>;

/** Set the one-hot state gauge of `peer`. */
export function setStateGauge(m: BfdMetrics, peer: string, state: SessionState): void {
  for (const s of SESSION_STATES) m.state.set({ peer, state: s }, s === state ? 1 : 0);
}

/** Forget a removed peer's gauges (counters stay: they are cumulative by definition). */
export function removePeerGauges(m: BfdMetrics, peer: string): void {
  for (const s of SESSION_STATES) m.state.remove({ peer, state: s });
  m.txInterval.remove({ peer });
  m.detectionTime.remove({ peer });
}
