/**
 * Public surface of the actor runtime (typed, supervised actors over nact).
 * See README.md in this folder for the model and a usage example.
 */
export { answerSortedByName, ask, askEach } from "./ask.js";
export { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
export { DEFAULT_SUPERVISION } from "./cell.js";
export { type Clock, FakeClock, SystemClock, type TimerHandle } from "./clock.js";
export {
  AskTimeoutError,
  AskUndeliveredError,
  crashReason,
  RuntimeError,
  type RuntimeErrorCode,
  SupervisionError,
} from "./errors.js";
export {
  type ActorLogBindings,
  actorLogger,
  createRootLogger,
  type Logger,
  type LogLevel,
  type RootLoggerOptions,
  silentLogger,
} from "./logger.js";
export { DEFAULT_MAILBOX, type MailboxOptions, type OverflowPolicy } from "./mailbox.js";
export { type ActorSample, createRuntimeMetrics, type DropReason, type RuntimeMetrics } from "./metrics.js";
export {
  createRegistry,
  defineMetrics,
  type LabelSet,
  type MetricFactory,
  metricFactory,
  type TypedCounter,
  type TypedGauge,
  type TypedHistogram,
} from "./metrics-catalogue.js";
export { stateless } from "./stateless.js";
export {
  type ActorSystem,
  type ActorSystemOptions,
  createActorSystem,
  type StopOutcome,
} from "./system.js";
export type {
  ActorContext,
  ActorRef,
  ActorSpec,
  ActorTreeNode,
  CrashPolicy,
  RestartStrategy,
  StatelessSpec,
  SupervisionOptions,
  TellResult,
  TimerOptions,
  Timers,
  UndeliveredReason,
} from "./types.js";
