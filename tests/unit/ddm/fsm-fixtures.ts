/** Builders shared by the DDM machine's unit and property tests. */
import type { Millis } from "../../../protocols/common/time.js";
import type { DiscoveryPacket } from "../../../protocols/ddm/discovery.js";
import { createMachine } from "../../../protocols/ddm/fsm.js";
import type { DdmAction, DdmEvent, DdmState, LinkInfo, TimerName } from "../../../protocols/ddm/fsm-types.js";
import { DEFAULT_TIMERS } from "../../../protocols/ddm/fsm-types.js";
import type { Ipv6Addr } from "../../../protocols/ddm/ip.js";
import type { ExchangeVersion, RouterKind } from "../../../protocols/ddm/types.js";

export const ms = (n: number): Millis => n as Millis;
export const v6 = (s: string): Ipv6Addr => s as Ipv6Addr;

export const LINK: LinkInfo = { ifIndex: 7, ifName: "eth1", addr: v6("fe80::1") };
export const PEER = v6("fe80::2");
export const machine = createMachine({ local: { hostname: "sw0", kind: "transit" }, timers: DEFAULT_TIMERS });

export function advert(
  from: Ipv6Addr = PEER,
  hostname = "sled1",
  version: ExchangeVersion | null = 2,
  kind: RouterKind = "server",
): DdmEvent {
  const packet: DiscoveryPacket = {
    version: version ?? 9,
    exchangeVersion: version,
    solicit: false,
    advertise: true,
    kind,
    hostname,
  };
  return { kind: "packet", from, packet };
}

export function solicitation(from: Ipv6Addr = PEER): DdmEvent {
  const packet: DiscoveryPacket = {
    version: 2,
    exchangeVersion: 2,
    solicit: true,
    advertise: false,
    kind: "server",
    hostname: "sled1",
  };
  return { kind: "packet", from, packet };
}

/** Runs events through the machine, keeping the latest state and all actions. */
export class Driver {
  state: DdmState;
  actions: DdmAction[];
  now: number;
  /** Deadline of every generation ever armed (kept apart from `actions`, which tests clear). */
  private readonly deadlines = new Map<number, number>();

  constructor(now = 0) {
    const r = machine.start(ms(now));
    this.state = r.state;
    this.actions = [...r.actions];
    this.now = now;
  }

  /** The current state's name (a method, so assertions do not narrow `state` for later lines). */
  name(): DdmState["name"] {
    return this.state.name;
  }

  /** Feed one event at the current time; returns that step's actions. */
  feed(ev: DdmEvent): readonly DdmAction[] {
    const r = machine.step(this.state, ev, ms(this.now));
    this.state = r.state;
    this.actions.push(...r.actions);
    for (const a of r.actions) if (a.kind === "arm") this.deadlines.set(a.gen, a.at);
    return r.actions;
  }

  /** Advance to `t` and fire, in order, every armed timer due by then. */
  advanceTo(t: number): void {
    for (;;) {
      const due = Object.entries(this.state.timers)
        .map(([timer, gen]) => ({ timer, gen, at: gen === undefined ? undefined : this.deadlines.get(gen) }))
        .filter((x) => x.at !== undefined && x.at <= t)
        .sort((a, b) => (a.at ?? 0) - (b.at ?? 0))[0];
      if (due === undefined) break;
      this.now = Math.max(this.now, due.at ?? this.now);
      this.feed({ kind: "timer", timer: due.timer as TimerName, gen: due.gen ?? -1 });
    }
    this.now = t;
  }

  /** To Solicit (address resolved at the current time). */
  toSolicit(): this {
    this.feed({ kind: "addressResolved", link: LINK });
    return this;
  }

  /** To Exchange with the server up and the initial pull done. */
  toExchange(version: ExchangeVersion = 2): this {
    this.toSolicit();
    this.feed(advert(PEER, "sled1", version));
    const epoch = this.state.epoch;
    this.feed({ kind: "serverStarted", epoch });
    this.feed({ kind: "pullResult", epoch, peer: PEER, reason: "initial", ok: true });
    return this;
  }
}

export const kinds = (acts: readonly DdmAction[]): string[] => acts.map((a) => a.kind);
export const counts = (acts: readonly DdmAction[]): string[] =>
  acts.flatMap((a) => (a.kind === "count" ? [a.counter] : []));
