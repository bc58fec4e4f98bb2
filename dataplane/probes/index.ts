/**
 * Active health probes (maglev-vpp.md §2.4; anchors.md §4.4): the edge where
 * health checking touches the network. Each factory validates its options
 * once and returns a {@link Probe} whose `run(target, signal)` resolves with a
 * `ProbeResult` (see `protocols/health/probe-result.ts`), never throws, is
 * bounded by its timeout and closes its socket before resolving.
 *
 * The health actor feeds the result to the pure core
 * (`protocols/health`) as `{ kind: "probe-result", token, result }`.
 */
export type { Classified } from "./classify.js";
export { classifyError } from "./classify.js";
export type { Deadline, DeadlineCause } from "./deadline.js";
export { startDeadline } from "./deadline.js";
export type { HttpProbeOptions } from "./http.js";
export { createHttpProbe } from "./http.js";
export { DEFAULT_BODY_LIMIT } from "./http-common.js";
export type { HttpsProbeOptions } from "./https.js";
export { createHttpsProbe } from "./https.js";
export type { EchoReply, EchoRequest, IcmpProbeOptions, Pinger } from "./icmp.js";
export { createIcmpProbe } from "./icmp.js";
export type { ClosablePinger, IcmpPingerOptions } from "./pinger.js";
export { createIcmpPinger } from "./pinger.js";
export type {
  CommonProbeOptions,
  Probe,
  ProbeFailureCode,
  ProbeKind,
  ProbeResult,
  ProbeSink,
  ProbeTarget,
} from "./probe.js";
export { DEFAULT_USER_AGENT, runViaSink, sourceFor } from "./probe.js";
export type { TcpProbeOptions } from "./tcp.js";
export { createTcpProbe, DEFAULT_READ_LIMIT } from "./tcp.js";
