/**
 * The hand-off of received packets from a listener to one session: a bounded single-producer,
 * single-consumer queue. The listener appends packets in its socket callback; the session drains
 * all of them at once when it next runs. Only one wake-up message is outstanding however many
 * packets wait, so a session handles every packet that reached it per turn of the event loop.
 *
 * Why not one actor message per packet: the runtime gives each actor one message per turn of
 * the event loop, timer fires first. When a turn takes longer than a session's packet interval
 * (a loaded machine, a GC pause) a per-packet mailbox only ever grows; the bench saw `queue-full`
 * drops and false Downs at 500 sessions × 50 ms. Draining here also lets a session count every
 * packet that reached it before it judges its Detection Time (RFC 5880 §6.8.4: silence is
 * measured in packets received).
 *
 * Ownership: the supervisor creates one inbox per session (kept in the session's seed, so it
 * survives restarts of either actor) and hands it to the listener with the registration. The
 * listener only calls `offer`; the session only `drain` and `clear`. Both run on one thread and
 * neither keeps a reference to a queued packet after handing it on.
 */
import type { ReceivedPacket } from "../../protocols/bfd/index.js";

/** What `offer` did: `wake` asks the caller to send the session its wake-up message. */
export type OfferOutcome = "wake" | "queued" | "full";

/** A bounded queue of (packet, received TTL) from one listener to one session. */
export class RxInbox {
  private packets: ReceivedPacket[] = [];
  private ttls: (number | undefined)[] = [];
  private spareP: ReceivedPacket[] = [];
  private spareT: (number | undefined)[] = [];
  /** Packets refused because the inbox was full, since the last drain. */
  private refused = 0;
  /** True while a wake-up message is queued for the session (or being handled). */
  private signalled = false;

  constructor(readonly capacity: number) {}

  /** Packets waiting. */
  get size(): number {
    return this.packets.length;
  }

  /** Append one packet; refused (and counted) when `capacity` are already waiting. */
  offer(packet: ReceivedPacket, ttl: number | undefined): OfferOutcome {
    if (this.packets.length >= this.capacity) {
      this.refused += 1;
      return "full";
    }
    this.packets.push(packet);
    this.ttls.push(ttl);
    if (this.signalled) return "queued";
    this.signalled = true;
    return "wake";
  }

  /** The wake-up could not be delivered; the next `offer` asks again. */
  wakeFailed(): void {
    this.signalled = false;
  }

  /**
   * Hand every waiting packet to `each`, oldest first, and return how many were refused since
   * the last drain. Packets offered while `each` runs wait for the next drain.
   */
  drain(each: (packet: ReceivedPacket, ttl: number | undefined) => void): number {
    this.signalled = false;
    const refused = this.refused;
    this.refused = 0;
    if (this.packets.length === 0) return refused;
    // Swap in the spare arrays first, so an offer from inside `each` cannot disturb this batch.
    const packets = this.packets;
    const ttls = this.ttls;
    this.packets = this.spareP;
    this.ttls = this.spareT;
    for (let i = 0; i < packets.length; i++) each(packets[i] as ReceivedPacket, ttls[i]);
    packets.length = 0;
    ttls.length = 0;
    this.spareP = packets;
    this.spareT = ttls;
    return refused;
  }

  /** Forget everything waiting (a new session incarnation starts from Down anyway). */
  clear(): void {
    this.packets.length = 0;
    this.ttls.length = 0;
    this.refused = 0;
    this.signalled = false;
  }
}
