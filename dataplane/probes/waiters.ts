/**
 * Probes in flight on one owner signal, as a doubly linked list, with a
 * single `abort` listener registered the first time the signal is seen. An
 * owner reuses its signal for every probe until it cancels one (the backend
 * actor does), so a probe costs two pointer updates instead of an
 * `addEventListener`/`removeEventListener` pair on Node's EventTarget (~4 %
 * of the checker's CPU at 5,000 probes/s in bench/health). Shared by the
 * Node-socket attempts (`attempt.ts`) and the native ones
 * (`stream-attempt.ts`).
 */

/** A probe that its owner's signal can abort. */
export interface Waiter {
  /** Links in the signal's list; owned by this module. */
  waiters: WaiterList | undefined;
  prevWaiter: Waiter | undefined;
  nextWaiter: Waiter | undefined;
  /** The owner aborted: settle as `aborted` (called once, already unlinked). */
  aborted(): void;
}

/** The attempts linked to one signal. */
export class WaiterList {
  head: Waiter | undefined = undefined;
  /**
   * The signal has aborted (set by its listener). Read instead of
   * `signal.aborted`, whose getter validates its receiver on every call
   * (a megamorphic keyed load per probe in bench/health).
   */
  aborted = false;
}

/**
 * Where a signal's list is kept: a symbol-keyed property on the signal itself.
 * A `WeakMap` lookup per probe (hashing the signal) showed in perf at 5,000
 * probes/s; every signal gains the same property, so the load stays monomorphic.
 */
const LIST: unique symbol = Symbol("magnetite.probe-waiters");
type Listed = AbortSignal & { [LIST]?: WaiterList };

function listOf(signal: AbortSignal): WaiterList {
  let list = (signal as Listed)[LIST];
  if (list === undefined) {
    const created = new WaiterList();
    list = created;
    (signal as Listed)[LIST] = created;
    signal.addEventListener(
      "abort",
      () => {
        created.aborted = true;
        let w = created.head;
        created.head = undefined;
        while (w !== undefined) {
          const next = w.nextWaiter;
          w.waiters = undefined;
          w.prevWaiter = undefined;
          w.nextWaiter = undefined;
          w.aborted();
          w = next;
        }
      },
      { once: true },
    );
  }
  return list;
}

/**
 * Link `w` into `signal`'s list, unless the signal has aborted already:
 * returns false then (and links nothing), so the caller settles as aborted.
 */
export function linkWaiter(w: Waiter, signal: AbortSignal): boolean {
  const list = waitersOf(signal);
  if (list === undefined || list.aborted) return false;
  linkInto(w, list);
  return true;
}

/** The list of `signal` (created on first sight), or undefined if it aborted before it had one. */
function waitersOf(signal: AbortSignal): WaiterList | undefined {
  const list = (signal as Listed)[LIST];
  if (list !== undefined) return list;
  // First sight of this signal: only now is its own flag read.
  return signal.aborted ? undefined : listOf(signal);
}

function linkInto(w: Waiter, list: WaiterList): void {
  w.waiters = list;
  w.nextWaiter = list.head;
  if (list.head !== undefined) list.head.prevWaiter = w;
  list.head = w;
}

/**
 * `linkWaiter` for a caller that is handed the same signal probe after
 * probe (a probe object serves one backend actor, which keeps its signal
 * until it cancels a probe): the list of the signal seen last is kept here,
 * so a probe compares two references instead of loading the symbol-keyed
 * property from the signal. perf showed that load megamorphic (bench/health
 * round 6: `KeyedLoadIC_Megamorphic` ~3.5 % of the checker's samples).
 */
export class LastSignal {
  private signal: AbortSignal | undefined = undefined;
  private list: WaiterList | undefined = undefined;

  /** Same contract as `linkWaiter`. */
  link(w: Waiter, signal: AbortSignal): boolean {
    let list = this.list;
    if (signal !== this.signal || list === undefined) {
      list = waitersOf(signal);
      if (list === undefined) return false;
      this.signal = signal;
      this.list = list;
    }
    if (list.aborted) return false;
    linkInto(w, list);
    return true;
  }
}

/** Unlink `w` if it is linked (idempotent). */
export function unlinkWaiter(w: Waiter): void {
  const list = w.waiters;
  if (list === undefined) return;
  if (w.prevWaiter !== undefined) w.prevWaiter.nextWaiter = w.nextWaiter;
  else list.head = w.nextWaiter;
  if (w.nextWaiter !== undefined) w.nextWaiter.prevWaiter = w.prevWaiter;
  w.waiters = undefined;
  w.prevWaiter = undefined;
  w.nextWaiter = undefined;
}
