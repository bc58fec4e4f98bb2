/**
 * Request/reply over `tell`: the request carries a one-shot reply ref. The
 * timeout is mandatory (style guide rule 15: nact's `query` demands one too,
 * but on global timers and with an untyped error); it runs on the target
 * system's clock, so fake-clock tests can expire it.
 */
import { CellRef } from "./context.js";
import { type Clock, SystemClock, type TimerHandle } from "./clock.js";
import { AskTimeoutError, AskUndeliveredError, RuntimeError } from "./errors.js";
import type { RuntimeMetrics } from "./metrics.js";
import type { ActorRef, TellResult } from "./types.js";

const DELIVERED: TellResult = Object.freeze({ delivered: true as const });
const EXPIRED: TellResult = Object.freeze({ delivered: false as const, reason: "stopped" as const });
const fallbackClock = new SystemClock();
let seq = 0;

/** The one-shot reply address handed to the request factory. */
class ReplyRef<R> implements ActorRef<R> {
  readonly kind = "ask-reply";
  private settled = false;
  private timer: TimerHandle | undefined;
  constructor(
    readonly path: string,
    private readonly clock: Clock,
    private readonly metrics: RuntimeMetrics | undefined,
    private readonly resolve: (r: R) => void,
  ) {}

  arm(timeoutMs: number, onTimeout: () => void): void {
    this.timer = this.clock.setTimeout(() => {
      if (this.settled) return;
      this.settled = true;
      onTimeout();
    }, timeoutMs);
  }

  /** Settle without a reply (the request was refused). */
  abandon(): void {
    this.settled = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
  }

  tell(reply: R): TellResult {
    if (this.settled) {
      // A reply after the timeout: reported, never silently lost.
      this.metrics?.dropped.inc({ kind: this.kind, reason: "late-reply" });
      return EXPIRED;
    }
    this.abandon();
    this.resolve(reply);
    return DELIVERED;
  }
}

/**
 * Send `make(replyTo)` to `ref` and wait for one reply on `replyTo`.
 * Rejects with `AskTimeoutError` (`RT_E_ASK_TIMEOUT`) after `timeoutMs`,
 * with `AskUndeliveredError` (`RT_E_ASK_UNDELIVERED`) at once when the
 * request is refused, and with `RT_E_BAD_TIMEOUT` for a non-positive or
 * non-finite timeout.
 */
export function ask<M, R>(
  ref: ActorRef<M>,
  make: (replyTo: ActorRef<R>) => M,
  timeoutMs: number,
): Promise<R> {
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    return Promise.reject(
      new RuntimeError("RT_E_BAD_TIMEOUT", "ask timeout must be finite and > 0", { timeoutMs }),
    );
  }
  const core = ref instanceof CellRef ? ref.cell.core : undefined;
  const clock = core?.clock ?? fallbackClock;
  return new Promise<R>((resolve, reject) => {
    const reply = new ReplyRef<R>(`${ref.path}#ask-${++seq}`, clock, core?.metrics, resolve);
    reply.arm(timeoutMs, () => reject(new AskTimeoutError(ref.path, timeoutMs)));
    let result: TellResult;
    try {
      result = ref.tell(make(reply));
    } catch (e: unknown) {
      reply.abandon();
      reject(e);
      return;
    }
    if (!result.delivered) {
      reply.abandon();
      reject(new AskUndeliveredError(ref.path, result.reason));
    }
  });
}

/**
 * Ask every ref the same question at once (a supervisor's list fan-out).
 * Resolves, never rejects, with the answers that arrived, in ref order, and
 * how many refs did not answer in time or refused the request, so a list
 * degrades to "what answered" instead of failing on one slow actor.
 */
export async function askEach<M, R>(
  refs: readonly ActorRef<M>[],
  make: (replyTo: ActorRef<R>) => M,
  timeoutMs: number,
): Promise<{ answers: R[]; missing: number }> {
  const settled = await Promise.allSettled(refs.map((ref) => ask(ref, make, timeoutMs)));
  const answers: R[] = [];
  for (const s of settled) if (s.status === "fulfilled") answers.push(s.value);
  return { answers, missing: settled.length - answers.length };
}

/**
 * A supervisor's "list": ask every child for its snapshot (`askEach`) and
 * answer `replyTo` with what arrived, sorted by name; children that did not
 * answer are logged (`warn`, with their count) and left out. Runs in the
 * background, so the supervisor's mailbox keeps flowing meanwhile.
 */
export function answerSortedByName<M, R extends { readonly name: string }>(
  refs: readonly ActorRef<M>[],
  make: (replyTo: ActorRef<R>) => M,
  timeoutMs: number,
  replyTo: ActorRef<R[]>,
  warn: (missing: number) => void,
): void {
  void askEach(refs, make, timeoutMs).then(({ answers, missing }) => {
    if (missing > 0) warn(missing);
    replyTo.tell(answers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
  });
}
