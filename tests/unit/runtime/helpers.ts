/** Test helpers for the runtime's own tests (not shared support). */
import { FakeClock } from "../../../actors/runtime/clock.js";
import {
  type ActorSystem,
  createActorSystem,
  type ActorSystemOptions,
} from "../../../actors/runtime/system.js";

/** A system on a fake clock with jitter pinned to the midpoint (no jitter). */
export function fakeSystem(options: Partial<ActorSystemOptions> = {}): {
  system: ActorSystem;
  clock: FakeClock;
  fatal: Error[];
} {
  const clock = new FakeClock();
  const fatal: Error[] = [];
  const system = createActorSystem({
    clock,
    random: () => 0.5,
    onFatal: (e) => fatal.push(e),
    ...options,
  });
  return { system, clock, fatal };
}

/** A promise plus its resolver, to hold an async receive open. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
