/**
 * Typed errors of the actor runtime. Codes are stable `RT_E_…` strings
 * (style guide rule 30); the API maps `RT_E_ASK_TIMEOUT` to 503/504.
 */
import { DomainError } from "../../protocols/common/domain-error.js";

/**
 * Runtime error codes.
 * - `RT_E_ASK_TIMEOUT`: no reply within the ask's timeout.
 * - `RT_E_ASK_UNDELIVERED`: the ask's request was refused (target stopped or mailbox full).
 * - `RT_E_BAD_TIMEOUT`: an ask timeout that is not a finite positive number (programmer error).
 * - `RT_E_BAD_NAME`: an actor name outside `[A-Za-z0-9-$_.+!*'(),]+` (nact's path alphabet).
 * - `RT_E_DUPLICATE_NAME`: a running sibling already has this name.
 * - `RT_E_STALE_CONTEXT`: spawn through the context of an actor incarnation that has ended.
 * - `RT_E_SYSTEM_STOPPED`: spawn on a stopped actor system.
 * - `RT_E_RESTART_INTENSITY`: a supervisor saw more than N restarts in T ms and escalated.
 * - `RT_E_ESCALATED`: an actor with crash policy "escalate" failed; its supervisor fails with it.
 */
export type RuntimeErrorCode =
  | "RT_E_ASK_TIMEOUT"
  | "RT_E_ASK_UNDELIVERED"
  | "RT_E_BAD_TIMEOUT"
  | "RT_E_BAD_NAME"
  | "RT_E_DUPLICATE_NAME"
  | "RT_E_STALE_CONTEXT"
  | "RT_E_SYSTEM_STOPPED"
  | "RT_E_RESTART_INTENSITY"
  | "RT_E_ESCALATED";

/** Generic runtime error carrying one of the codes above. */
export class RuntimeError<C extends RuntimeErrorCode = RuntimeErrorCode> extends DomainError<C> {
  override readonly name: string = "RuntimeError";
}

/** `ask` got no reply in time. */
export class AskTimeoutError extends RuntimeError<"RT_E_ASK_TIMEOUT"> {
  override readonly name = "AskTimeoutError";
  constructor(path: string, timeoutMs: number) {
    super("RT_E_ASK_TIMEOUT", "ask timed out", { path, timeoutMs });
  }
}

/** `ask`'s request never reached the target's mailbox. */
export class AskUndeliveredError extends RuntimeError<"RT_E_ASK_UNDELIVERED"> {
  override readonly name = "AskUndeliveredError";
  constructor(path: string, reason: string) {
    super("RT_E_ASK_UNDELIVERED", "ask request not delivered", { path, reason });
  }
}

/** Supervision gave up on a subtree: passed to the parent, and at the root to `onFatal`. */
export class SupervisionError extends RuntimeError<"RT_E_RESTART_INTENSITY" | "RT_E_ESCALATED"> {
  override readonly name = "SupervisionError";
  override readonly cause: unknown;
  constructor(
    code: "RT_E_RESTART_INTENSITY" | "RT_E_ESCALATED",
    message: string,
    details: Readonly<Record<string, unknown>>,
    cause: unknown,
  ) {
    super(code, message, details);
    this.cause = cause;
  }
}

const CODE_RE = /^[A-Z][A-Z0-9_]{1,63}$/;

/**
 * A bounded label for a crash: the error's `code` when it looks like one of
 * ours (`BFD_E_…`), else the error class name, else "non-error". Never the
 * message, which could carry addresses and blow up label cardinality (rule 34).
 */
export function crashReason(e: unknown): string {
  if (typeof e === "object" && e !== null) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && CODE_RE.test(code)) return code;
    if (e instanceof Error) return e.name.slice(0, 64);
  }
  return "non-error";
}
