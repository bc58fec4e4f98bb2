/**
 * Public surface of the pure BFD core (RFC 5880 / 5881 / 5883). The actor shell uses it like this:
 *
 * 1. Build a config with `sessionConfig` (and `authConfig`) at the API edge; map a failing
 *    `Result` to a `DomainError` with its `BFD_E_…` code.
 * 2. `createSession(config, clock.now(), Math.random)` → perform its actions.
 * 3. For each datagram: `parseReceived(bytes)` (§6.8.6 steps 1–6, 8), then `selectSession`
 *    (steps 7, 9) over the shell's discriminator and peer tables; a failure is a discard to count.
 *    Then `step(session, { kind: "rx", packet, ttl }, now)`.
 * 4. On timer fire: `step(session, { kind: "timer", timer, gen }, now)`; stale generations are
 *    ignored by the core, so the shell need not cancel races perfectly.
 * 5. Perform actions in order: `send` (bytes, TTL 255, the session's fixed source port), `arm`
 *    (replace that timer), `cancel`, `transition` (log, publish, count by `reason`), `discard`
 *    (count by `discard.code`), `poll` (trace).
 *
 * Nothing here reads a clock, touches a socket or keeps counters.
 */
export { type AuthConfig, type AuthConfigError, type AuthKey, authConfig } from "./auth.js";
export { DISCARD_STEP, type Discard, type DiscardCode, type AuthFailureCode } from "./errors.js";
export { RX_TRANSITIONS, type RxOutcome, type TransitionReason } from "./fsm-table.js";
export {
  type AuthSection,
  type AuthType,
  type ControlPacket,
  type DecodeError,
  type DecodeErrorCode,
  decode,
  encode,
} from "./packet.js";
export {
  createSession,
  RETIRE_HOLD_MAX_MS,
  retireHoldMs,
  type SessionConfigInput,
  sessionConfig,
  step,
} from "./session.js";
export { detectionTimeMs, holdUntil, txIntervalMs } from "./session-effects.js";
export type {
  BfdAction,
  BfdEvent,
  Intervals,
  ParamChange,
  RemoteView,
  SendReason,
  Session,
  SessionConfig,
  StepResult,
  TimerName,
} from "./session-types.js";
export {
  Diag,
  type DetectMult,
  type Discriminator,
  detectMult,
  discriminator,
  intervalMicros,
  SESSION_STATES,
  type SessionState,
  type ValueError,
} from "./types.js";
export { parseReceived, type ReceivedPacket, selectSession, type TtlPolicy } from "./validate.js";
