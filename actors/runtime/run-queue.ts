/**
 * The actor system's run queue: actors with work wait here in FIFO order and
 * are served one envelope each per round, all rounds on `setImmediate`.
 *
 * Why not nact's dispatch: nact schedules one `setImmediate` per message and
 * runs it through an `async` closure that builds a fresh context object
 * (with a copy of the children map), resolves the actor by walking its path,
 * and awaits the handler even when it is synchronous. At thousands of
 * messages per second that was most of an actor message's cost
 * (`bench/health --noop-probes`: nact + adapter ≈ 15–20 % of the checker's
 * CPU, before the per-probe work). Here a round is one macrotask that calls
 * each ready actor directly.
 *
 * What is kept from nact's scheme:
 * - one message at a time per actor: a cell is queued at most once (its
 *   `inFlight` flag), and an asynchronous `receive` keeps it out of the queue
 *   until it settles;
 * - fairness: each round serves the actors that were ready when it began,
 *   one envelope each; an actor with more work goes to the back and waits
 *   for the next round, so a busy actor cannot starve the others;
 * - I/O keeps flowing: rounds are macrotasks (the check phase), so poll
 *   callbacks run between them, as they ran between nact's immediates.
 * What changes: microtasks (promise reactions) run after a round rather than
 * between two actors' messages of the same round. Actors never shared state,
 * so only the interleaving of independent work moves.
 */

/** What the queue runs: a cell's envelope handler for one incarnation. */
export interface Runnable {
  /** Handle one envelope of incarnation `inc`; must not throw. */
  runToken(inc: number): void;
}

/** FIFO of ready actors, drained one round per macrotask. */
export class RunQueue {
  private ready: Runnable[] = [];
  private incs: number[] = [];
  // The arrays of the round being served, swapped with `ready`/`incs` so a round allocates nothing.
  private spareReady: Runnable[] = [];
  private spareIncs: number[] = [];
  private scheduled = false;
  private readonly drainRound = (): void => this.drain();

  /** `onError` receives anything a `runToken` threw despite its contract; the round goes on. */
  constructor(private readonly onError: (error: unknown) => void) {}

  /** Actors queued for the next round. */
  get size(): number {
    return this.ready.length;
  }

  /** Queue `r` (for incarnation `inc`) for the next round. */
  schedule(r: Runnable, inc: number): void {
    this.ready.push(r);
    this.incs.push(inc);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drainRound);
    }
  }

  private drain(): void {
    this.scheduled = false;
    const batch = this.ready;
    const incs = this.incs;
    this.ready = this.spareReady;
    this.incs = this.spareIncs;
    for (let i = 0; i < batch.length; i++) {
      try {
        (batch[i] as Runnable).runToken(incs[i] as number);
      } catch (e: unknown) {
        this.onError(e);
      }
    }
    batch.length = 0;
    incs.length = 0;
    this.spareReady = batch;
    this.spareIncs = incs;
  }
}
