/**
 * The only file that touches nact. Each actor incarnation is a nact actor at
 * the same path as ours, so nact holds the tree of actors (and stops a
 * subtree with its root). Messages do not go through nact any more: the
 * runtime keeps them in its own bounded mailbox and serves ready actors from
 * its run queue (`run-queue.ts`), because nact's dispatch (a `setImmediate`,
 * an async closure and a fresh context per message) dominated the cost of a
 * message. nact's unbounded deque therefore stays empty (DESIGN.md, Actors:
 * nact defects).
 *
 * We never give nact an `initialStateFunc` or let a handler throw into it:
 * nact's crash path (`handleFault` → policy → `reset` → `initializeState`)
 * is a promise chain, and an initial state that always throws turns it into
 * an endless microtask loop that starves the event loop. All faults are
 * caught in our handler and supervised on the macrotask queue instead.
 */
import nact, { type Ref } from "nact";

/** A nact actor (or system) reference. */
export type NactRef = Ref<unknown>;

/** Start a nact system; actor names live under it. */
export function startNactSystem(): NactRef {
  return nact.start() as NactRef;
}

/** Spawn the nact actor of one incarnation; it is never sent a message. */
export function spawnNact(parent: NactRef, name: string): NactRef {
  return nact.spawn(parent, (_state: undefined, _msg: unknown): undefined => undefined, name) as NactRef;
}

/** Stop a nact actor (and its nact children) or the whole nact system; idempotent. */
export function stopNact(ref: NactRef): void {
  nact.stop(ref);
}
