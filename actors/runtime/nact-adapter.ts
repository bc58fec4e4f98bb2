/**
 * The only file that touches nact. Each actor incarnation is a nact actor at
 * the same path as ours; nact gives us the tree of actors and its
 * one-message-at-a-time dispatch on a `setImmediate` per message. The runtime
 * keeps messages in its own bounded mailbox and hands nact a wake-up token
 * only while the actor has work, so nact's unbounded deque holds at most one
 * token (DESIGN.md, Actors: nact defects).
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

/** The one message nact ever carries for us: "you have work". */
const TOKEN = 0;

/** Start a nact system; actor names live under it. */
export function startNactSystem(): NactRef {
  return nact.start() as NactRef;
}

/**
 * Spawn a nact actor whose every message calls `wake`. `wake` must not
 * throw; a returned promise is awaited by nact before the next token.
 */
export function spawnNact(parent: NactRef, name: string, wake: () => void | Promise<void>): NactRef {
  return nact.spawn(
    parent,
    (_state: undefined, _token: number): undefined | Promise<undefined> => {
      const r = wake();
      return r === undefined ? undefined : r.then(() => undefined);
    },
    name,
  ) as NactRef;
}

/** Hand the actor one wake-up token. */
export function wakeNact(ref: NactRef): void {
  nact.dispatch(ref as Ref<number>, TOKEN);
}

/** Stop a nact actor (and its nact children) or the whole nact system; idempotent. */
export function stopNact(ref: NactRef): void {
  nact.stop(ref);
}
