/**
 * Stateless actors are ordinary specs with `undefined` state, so they get the
 * same supervision as stateful ones. (nact's `spawnStateless` hard-wires a
 * "resume" crash policy and ignores the one you pass; here `onCrash` is
 * honoured whatever the flavour.)
 */
import type { ActorSpec, StatelessSpec } from "./types.js";

/** Turn a stateless spec into an `ActorSpec<M, undefined>`. */
export function stateless<M>(spec: StatelessSpec<M>): ActorSpec<M, undefined> {
  const { start, receive, stop } = spec;
  const out: ActorSpec<M, undefined> = {
    kind: spec.kind,
    init: async (ctx) => {
      if (start !== undefined) await start.call(spec, ctx);
      return undefined;
    },
    receive: (_state, msg, ctx) => {
      const r = receive.call(spec, msg, ctx);
      return r === undefined ? undefined : r.then(() => undefined);
    },
    ...(stop === undefined ? {} : { stop: (_s: undefined, ctx) => stop.call(spec, ctx) }),
    ...(spec.mailbox === undefined ? {} : { mailbox: spec.mailbox }),
    ...(spec.onCrash === undefined ? {} : { onCrash: spec.onCrash }),
    ...(spec.supervision === undefined ? {} : { supervision: spec.supervision }),
  };
  return out;
}
