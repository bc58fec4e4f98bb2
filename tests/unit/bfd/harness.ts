/**
 * Test driver for the BFD session core: a virtual clock, the timers the core armed, and a log of
 * every action. It plays the actor shell's role without I/O, so tests read like scenarios.
 */
import assert from "node:assert/strict";
import { type ControlPacket, encode } from "../../../protocols/bfd/packet.js";
import {
  createSession,
  type SessionConfigInput,
  sessionConfig,
  step,
} from "../../../protocols/bfd/session.js";
import type {
  BfdAction,
  BfdEvent,
  Session,
  SessionConfig,
  TimerName,
  TimerSlot,
} from "../../../protocols/bfd/session-types.js";
import { parseReceived, type ReceivedPacket } from "../../../protocols/bfd/validate.js";
import { type Micros, type Millis, millis, type Random } from "../../../protocols/common/time.js";

/** A deterministic Random for tests (a linear congruential sequence from `seed`). */
export function seeded(seed: number): Random {
  let x = seed >>> 0 || 1;
  return () => {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
    return x / 4_294_967_296;
  };
}

/** A valid config: discriminator 1, mult 3, 300 ms both ways, unless overridden. */
export function config(over: Partial<SessionConfigInput> = {}): SessionConfig {
  const r = sessionConfig({
    localDiscr: 1,
    detectMult: 3,
    desiredMinTxUs: 300_000,
    requiredMinRxUs: 300_000,
    ...over,
  });
  assert.ok(r.ok, JSON.stringify(r));
  return r.value;
}

/** A peer packet (discriminator 2, addressed to us) with overrides, validated like the shell would. */
export function peer(fields: Partial<ControlPacket> = {}): ReceivedPacket {
  return received({
    diag: 0,
    state: "Down",
    poll: false,
    final: false,
    controlPlaneIndependent: false,
    demand: false,
    multipoint: false,
    detectMult: 3,
    myDiscr: 2,
    yourDiscr: 1,
    desiredMinTx: 300_000 as Micros,
    requiredMinRx: 300_000 as Micros,
    requiredMinEchoRx: 0 as Micros,
    auth: null,
    ...fields,
  });
}

/** Run bytes through §6.8.6 steps 1–6/8, asserting they pass. */
export function received(p: ControlPacket | Uint8Array): ReceivedPacket {
  const r = parseReceived(p instanceof Uint8Array ? p : encode(p));
  assert.ok(r.ok, JSON.stringify(r));
  return r.value;
}

/** One logged action with the virtual time it happened at. */
export interface Logged {
  readonly at: number;
  readonly action: BfdAction;
}

/** Drives one session on a virtual clock. */
export class Driver {
  session: Session;
  now: Millis;
  readonly timers = new Map<TimerName, TimerSlot>();
  readonly log: Logged[] = [];

  constructor(cfg: SessionConfig, start = 0, random: Random = seeded(7)) {
    this.now = millis(start);
    const r = createSession(cfg, this.now, random);
    this.session = r.session;
    this.record(r.actions);
  }

  private record(actions: readonly BfdAction[]): readonly BfdAction[] {
    for (const a of actions) {
      this.log.push({ at: this.now, action: a });
      if (a.kind === "arm") this.timers.set(a.timer, { at: a.at, gen: a.gen });
      if (a.kind === "cancel") this.timers.delete(a.timer);
    }
    return actions;
  }

  /** Apply one event at the current time. */
  apply(event: BfdEvent): readonly BfdAction[] {
    const r = step(this.session, event, this.now);
    this.session = r.session;
    return this.record(r.actions);
  }

  /** Receive a packet now. */
  rx(p: ReceivedPacket, ttl?: number): readonly BfdAction[] {
    return this.apply({ kind: "rx", packet: p, ttl });
  }

  /** The earliest armed timer, if any. */
  nextTimer(): { timer: TimerName; slot: TimerSlot } | undefined {
    let best: { timer: TimerName; slot: TimerSlot } | undefined;
    for (const [timer, slot] of this.timers)
      if (best === undefined || slot.at < best.slot.at) best = { timer, slot };
    return best;
  }

  /** Advance the clock to `t`, firing every timer that falls due on the way, in time order. */
  advanceTo(t: number): readonly BfdAction[] {
    const out: BfdAction[] = [];
    for (;;) {
      const next = this.nextTimer();
      if (next === undefined || next.slot.at > t) break;
      this.timers.delete(next.timer);
      this.now = Math.max(this.now, next.slot.at) as Millis;
      out.push(...this.apply({ kind: "timer", timer: next.timer, gen: next.slot.gen }));
    }
    this.now = Math.max(this.now, t) as Millis;
    return out;
  }

  /** Advance by `ms`. */
  advance(ms: number): readonly BfdAction[] {
    return this.advanceTo(this.now + ms);
  }

  /** Packets sent so far (with their times), optionally only since `from`. */
  sent(from = 0): { at: number; packet: ControlPacket; reason: string; bytes: Uint8Array }[] {
    return this.log.flatMap((l) =>
      l.action.kind === "send" && l.at >= from
        ? [{ at: l.at, packet: l.action.packet, reason: l.action.reason, bytes: l.action.bytes }]
        : [],
    );
  }

  /** Bring the session Up with a peer handshake (peer Down then Up), returning the time. */
  bringUp(over: Partial<ControlPacket> = {}): number {
    this.rx(peer({ state: "Down", yourDiscr: 0, ...over }));
    this.rx(peer({ state: "Up", ...over }));
    assert.equal(this.session.state, "Up");
    return this.now;
  }
}

/** Filter actions by kind. */
export function ofKind<K extends BfdAction["kind"]>(
  actions: readonly BfdAction[],
  kind: K,
): Extract<BfdAction, { kind: K }>[] {
  return actions.filter((a): a is Extract<BfdAction, { kind: K }> => a.kind === kind);
}
