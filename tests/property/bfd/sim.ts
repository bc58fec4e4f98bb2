/**
 * Two BFD session cores on one virtual clock, joined by a lossy channel with a fixed delay. It
 * plays both actor shells: runs the earliest due timer or delivery, performs `send` actions by
 * queueing bytes for the peer (or dropping them when the loss schedule says so), and records
 * every transition. No real time, sockets or timers.
 */
import type { BfdAction } from "../../../protocols/bfd/session-types.js";
import type { SessionConfig } from "../../../protocols/bfd/session-types.js";
import { parseReceived } from "../../../protocols/bfd/validate.js";
import type { Millis, Random } from "../../../protocols/common/time.js";
import { Driver } from "../../unit/bfd/harness.js";

/** Decides whether the n-th packet (0-based) sent in direction `from` → other is lost. */
export type LossFn = (from: 0 | 1, n: number, now: number) => boolean;

interface InFlight {
  readonly at: number;
  readonly to: 0 | 1;
  readonly bytes: Uint8Array;
}

/** A transition seen by the simulation. */
export interface SimTransition {
  readonly at: number;
  readonly node: 0 | 1;
  readonly action: Extract<BfdAction, { kind: "transition" }>;
}

export class TwoNodeSim {
  readonly nodes: [Driver, Driver];
  now = 0;
  loss: LossFn = () => false;
  readonly transitions: SimTransition[] = [];
  readonly discards: string[] = [];
  private readonly inFlight: InFlight[] = [];
  private readonly sentCount: [number, number] = [0, 0];
  private readonly seen: [number, number];

  constructor(
    a: SessionConfig,
    b: SessionConfig,
    readonly delay: number,
    random: [Random, Random],
  ) {
    this.nodes = [new Driver(a, 0, random[0]), new Driver(b, 0, random[1])];
    this.seen = [0, 0];
    this.collect(0);
    this.collect(1);
  }

  /** Route the actions a node logged since we last looked. */
  private collect(i: 0 | 1): void {
    const d = this.nodes[i];
    for (; this.seen[i] < d.log.length; this.seen[i]++) {
      const l = d.log[this.seen[i]];
      if (l === undefined) continue;
      const a = l.action;
      if (a.kind === "transition") this.transitions.push({ at: l.at, node: i, action: a });
      if (a.kind === "discard") this.discards.push(a.discard.code);
      if (a.kind === "send") {
        const n = this.sentCount[i]++;
        if (!this.loss(i, n, l.at))
          this.inFlight.push({ at: l.at + this.delay, to: i === 0 ? 1 : 0, bytes: a.bytes });
      }
    }
  }

  /** Run every event up to and including time `t`, in time order. */
  runUntil(t: number): void {
    for (;;) {
      let best: { at: number; run: () => void } | undefined;
      for (const i of [0, 1] as const) {
        const d = this.nodes[i];
        const next = d.nextTimer();
        if (next !== undefined && next.slot.at <= t && (best === undefined || next.slot.at < best.at)) {
          best = {
            at: next.slot.at,
            run: () => {
              d.timers.delete(next.timer);
              d.apply({ kind: "timer", timer: next.timer, gen: next.slot.gen });
              this.collect(i);
            },
          };
        }
      }
      let fi = -1;
      for (let k = 0; k < this.inFlight.length; k++) {
        const f = this.inFlight[k];
        if (
          f !== undefined &&
          f.at <= t &&
          (best === undefined || f.at < best.at) &&
          (fi < 0 || f.at < (this.inFlight[fi]?.at ?? 0))
        )
          fi = k;
      }
      const flight = fi >= 0 ? this.inFlight[fi] : undefined;
      if (flight !== undefined && (best === undefined || flight.at < best.at)) {
        this.inFlight.splice(fi, 1);
        best = {
          at: flight.at,
          run: () => {
            const d = this.nodes[flight.to];
            const p = parseReceived(flight.bytes);
            if (p.ok) d.apply({ kind: "rx", packet: p.value, ttl: 255 });
            this.collect(flight.to);
          },
        };
      }
      if (best === undefined) break;
      this.now = best.at;
      for (const d of this.nodes) d.now = Math.max(d.now, best.at) as Millis;
      best.run();
    }
    this.now = t;
    for (const d of this.nodes) d.now = Math.max(d.now, t) as Millis;
  }

  /** Both sessions Up. */
  bothUp(): boolean {
    return this.nodes[0].session.state === "Up" && this.nodes[1].session.state === "Up";
  }

  /** Transitions out of Up after `from`. */
  downsSince(from: number): SimTransition[] {
    return this.transitions.filter((t) => t.at > from && t.action.from === "Up");
  }
}
