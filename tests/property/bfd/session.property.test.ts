import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { encode } from "../../../protocols/bfd/packet.js";
import { detectionTimeMs } from "../../../protocols/bfd/session-effects.js";
import type { BfdAction } from "../../../protocols/bfd/session-types.js";
import { type DetectMult, SESSION_STATES } from "../../../protocols/bfd/types.js";
import { parseReceived } from "../../../protocols/bfd/validate.js";
import type { Micros } from "../../../protocols/common/time.js";
import { config, Driver, peer, seeded } from "../../unit/bfd/harness.js";
import { packetArb } from "./arbitraries.js";

const ms = (lo: number, hi: number): fc.Arbitrary<number> => fc.integer({ min: lo, max: hi });

/** Operations a shell could feed the core, with adversarial peer packets. */
type Op =
  | {
      op: "rx";
      state: (typeof SESSION_STATES)[number];
      poll: boolean;
      final: boolean;
      demand: boolean;
      mult: number;
      txMs: number;
      rxMs: number;
      yourDiscr: 0 | 1 | 7;
      ttl: 255 | 254;
    }
  | { op: "raw"; bytes: Uint8Array }
  | { op: "advance"; by: number }
  | { op: "admin-down" }
  | { op: "admin-up" }
  | { op: "set"; txMs: number | undefined; rxMs: number | undefined; mult: number | undefined };

const plain = { noNullPrototype: true } as const;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      {
        op: fc.constant("rx" as const),
        state: fc.constantFrom(...SESSION_STATES),
        poll: fc.boolean(),
        final: fc.boolean(),
        demand: fc.boolean(),
        mult: ms(1, 255),
        txMs: ms(1, 3000),
        rxMs: fc.oneof(fc.constant(0), ms(1, 3000)),
        yourDiscr: fc.constantFrom(0 as const, 1 as const, 7 as const),
        ttl: fc.constantFrom(255 as const, 255 as const, 254 as const),
      },
      plain,
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("raw" as const), bytes: packetArb.map(encode) }, plain),
  },
  { weight: 6, arbitrary: fc.record({ op: fc.constant("advance" as const), by: ms(0, 4000) }, plain) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("admin-down" as const) }, plain) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("admin-up" as const) }, plain) },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        op: fc.constant("set" as const),
        txMs: fc.option(ms(1, 2000), { nil: undefined }),
        rxMs: fc.option(fc.oneof(fc.constant(0), ms(1, 2000)), { nil: undefined }),
        mult: fc.option(ms(1, 10), { nil: undefined }),
      },
      plain,
    ),
  },
);

/** The peer's answer to our Poll, as the end-of-sequence check sends it. */
const finalFromPeer: Op = {
  op: "rx",
  state: "Up",
  poll: false,
  final: true,
  demand: false,
  mult: 3,
  txMs: 300,
  rxMs: 300,
  yourDiscr: 1,
  ttl: 255,
};

const cfgArb = fc.record(
  {
    mult: ms(1, 10),
    txMs: ms(1, 2000),
    rxMs: fc.oneof(fc.constant(0), ms(1, 2000)),
    passive: fc.boolean(),
    seed: fc.nat(),
  },
  plain,
);

/**
 * Independent bookkeeping of what the core may do, from the outside: the peer's last Required Min
 * RX and the values that bound detection. Checked after every operation.
 */
class Model {
  remoteMinRx = 0.001; // ms; RFC 5880 §6.8.1 initial 1 µs
  minRemoteRxSinceTx = 0.001;
  lastTxAt: number | null = null;
  notUpSinceTx = true;
  lastAcceptedAt: number | null = null;
  lastRemote = { mult: 0, txMs: 0 };
  /** The smallest Required Min RX ever configured: a floor under any value our timers can use. */
  minCfgRxMs: number;
  remoteKnown = false;
  polls = 0;

  constructor(cfgRxMs: number) {
    this.minCfgRxMs = cfgRxMs;
  }
}

function check(d: Driver, m: Model, actions: readonly BfdAction[], now: number, passive: boolean): void {
  const s = d.session;
  assert.ok(s.poll === null || s.state === "Up", "a Poll runs only while Up");
  for (const a of actions) {
    if (a.kind === "arm") assert.ok(a.at >= now, "never arms a timer in the past");
    if (a.kind === "poll") {
      m.polls += a.event === "started" ? 1 : -1;
      assert.ok(m.polls === 0 || m.polls === 1, "one Poll at a time, each ends once");
    }
    if (a.kind === "send") {
      const p = a.packet;
      assert.ok(!(p.poll && p.final), "P and F never both set (§6.8.7)");
      assert.equal(p.demand, false);
      assert.equal(p.multipoint, false);
      if (passive) assert.ok(m.remoteKnown, "passive: silent until the peer is known (§6.8.7)");
      if (a.reason === "periodic") {
        assert.ok(m.remoteMinRx > 0, "no periodic packets when the peer asked for none");
        if (m.lastTxAt !== null) {
          const gap = now - m.lastTxAt;
          const floor = Math.max(m.minRemoteRxSinceTx, m.notUpSinceTx ? 1000 : 0);
          assert.ok(gap >= 0.75 * floor - 1e-6, `periodic gap ${gap} < 75% of ${floor}`);
        }
      }
      if (a.reason !== "final") {
        m.lastTxAt = now;
        m.minRemoteRxSinceTx = m.remoteMinRx;
        m.notUpSinceTx = s.state !== "Up";
      }
    }
  }
  if (s.state === "Up") m.notUpSinceTx = false;
}

describe("bfd session op-sequence properties (virtual clock)", () => {
  it("detection never fires early, TX never beats the negotiated interval, Polls end, nothing throws", () => {
    fc.assert(
      fc.property(cfgArb, fc.array(opArb, { maxLength: 60 }), (c, ops) => {
        const d = new Driver(
          config({
            detectMult: c.mult,
            desiredMinTxUs: c.txMs * 1000,
            requiredMinRxUs: c.rxMs * 1000,
            passive: c.passive,
          }),
          0,
          seeded(c.seed),
        );
        const m = new Model(c.rxMs);
        const passive = c.passive;
        check(
          d,
          m,
          d.log.map((l) => l.action),
          0,
          passive,
        );
        const fire = (target: number): void => {
          // Fire due timers one by one so each can be judged against the model.
          for (;;) {
            const next = d.nextTimer();
            if (next === undefined || next.slot.at > target) break;
            d.timers.delete(next.timer);
            d.now = Math.max(d.now, next.slot.at) as typeof d.now;
            const live =
              (next.timer === "detect" ? d.session.detectTimer : d.session.txTimer)?.gen === next.slot.gen;
            if (live && next.timer === "detect") {
              assert.ok(m.lastAcceptedAt !== null, "detection runs only after a packet");
              // §6.8.4 with §6.8.3's deferral: whatever Required Min RX is in use was configured at
              // some point, so the smallest ever configured bounds the Detection Time from below.
              const bound = m.lastRemote.mult * Math.max(m.minCfgRxMs, m.lastRemote.txMs);
              assert.ok(d.now - m.lastAcceptedAt >= bound - 1e-6, "detection fired early");
            }
            const a = d.apply({ kind: "timer", timer: next.timer, gen: next.slot.gen });
            if (live && next.timer === "detect") {
              m.lastAcceptedAt = null;
              m.remoteKnown = false;
            }
            check(d, m, a, d.now, passive);
          }
          d.now = Math.max(d.now, target) as typeof d.now;
        };
        const run = (o: Op): void => {
          let actions: readonly BfdAction[] = [];
          switch (o.op) {
            case "advance":
              fire(d.now + o.by);
              return;
            case "admin-down":
              actions = d.apply({ kind: "admin-down" });
              break;
            case "admin-up":
              actions = d.apply({ kind: "admin-up" });
              break;
            case "set":
              actions = d.apply({
                kind: "set-params",
                params: {
                  desiredMinTx: o.txMs === undefined ? undefined : ((o.txMs * 1000) as Micros),
                  requiredMinRx: o.rxMs === undefined ? undefined : ((o.rxMs * 1000) as Micros),
                  detectMult: o.mult as DetectMult | undefined,
                },
              });
              if (o.rxMs !== undefined) m.minCfgRxMs = Math.min(m.minCfgRxMs, o.rxMs);
              break;
            case "raw": {
              const r = parseReceived(o.bytes);
              if (!r.ok) return;
              actions = d.rx(r.value);
              break;
            }
            case "rx": {
              const yourDiscr = o.state === "Down" || o.state === "AdminDown" ? o.yourDiscr : 1;
              const p = peer({
                state: o.state,
                poll: o.poll,
                final: o.final,
                demand: o.demand,
                detectMult: o.mult,
                yourDiscr,
                desiredMinTx: (o.txMs * 1000) as Micros,
                requiredMinRx: (o.rxMs * 1000) as Micros,
              });
              actions = d.rx(p, o.ttl);
              const discards = actions.filter((a) => a.kind === "discard").map((a) => a.discard.code);
              if (discards.length === 0 || discards[0] === "LOCAL_ADMIN_DOWN") {
                // §6.8.6 step 13 ran: the peer's variables are learnt (even when step 17 discards).
                m.remoteMinRx = o.rxMs;
                m.minRemoteRxSinceTx = Math.min(m.minRemoteRxSinceTx, o.rxMs);
                m.remoteKnown = true;
                if (discards.length === 0) {
                  m.lastAcceptedAt = d.now;
                  m.lastRemote = { mult: o.mult, txMs: o.txMs };
                }
              }
              break;
            }
          }
          check(d, m, actions, d.now, passive);
        };
        for (const o of ops) run(o);
        // Every Poll completes or times out: silence past the Detection Time ends it, or a Final does.
        // A change queued behind the running Poll gets one more Poll (poll.ts), hence two rounds.
        for (let round = 0; round < 2 && d.session.poll !== null; round++) {
          const dt = detectionTimeMs(d.session);
          if (dt !== null) fire(d.now + dt + 1);
          else run(finalFromPeer);
        }
        assert.equal(d.session.poll, null, "every Poll completes or times out");
      }),
      {
        numRuns: 300,
        ...(process.env["FC_SEED"]
          ? { seed: Number(process.env["FC_SEED"]), path: process.env["FC_PATH"] ?? "", endOnFailure: true }
          : {}),
      },
    );
  });

  it("never throws on arbitrary bytes, before or after the session is Up", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 20 }),
        fc.boolean(),
        (packets, up) => {
          const d = new Driver(config());
          if (up) d.bringUp();
          for (const b of packets) {
            const r = parseReceived(b);
            if (r.ok) d.rx(r.value);
            d.advance(100);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
