/**
 * Source ports for BFD Control packets. RFC 5881 §4 (and RFC 5883 §5 by reference): the source
 * port MUST be in 49152–65535, and the same port SHOULD be used for every packet of a session.
 * A rotating counter hands out a fresh port on each bind, so a rapid delete/re-add of a peer
 * does not collide with the port the old socket may still hold (maghemite PR #791, fixing #789).
 */

/** First port of the RFC 5881 §4 source range. */
export const SOURCE_PORT_MIN = 49152;
/** Last port of the range. */
export const SOURCE_PORT_MAX = 65535;
/** How many ports one bind attempt tries before giving up (maghemite's egress uses 64). */
export const BIND_ATTEMPTS = 64;

const RANGE = SOURCE_PORT_MAX - SOURCE_PORT_MIN + 1;

/** A wrapping iterator over 49152–65535. */
export class SourcePortAllocator {
  private offset: number;

  /** `start` is any port in the range; out-of-range values are folded into it. */
  constructor(start: number = SOURCE_PORT_MIN) {
    const n = Number.isInteger(start) ? start - SOURCE_PORT_MIN : 0;
    this.offset = ((n % RANGE) + RANGE) % RANGE;
  }

  /** The next port, wrapping from 65535 back to 49152. */
  next(): number {
    const port = SOURCE_PORT_MIN + this.offset;
    this.offset = (this.offset + 1) % RANGE;
    return port;
  }
}
