/**
 * VPP API socket framing (maglev-vpp §6.6): every message in either direction
 * is preceded by a 16-byte header mirroring VPP's `msgbuf_t` — bytes 0..7 and
 * 12..15 are zero on the wire, bytes 8..11 carry the payload length as a
 * big-endian u32. A stream read may hold several frames or a fraction of one.
 */
import { err, ok, type Result } from "../../protocols/common/result.js";

/** Header length in bytes. */
export const FRAME_HEADER_LEN = 16;

/**
 * Largest payload we accept. VPP's replies are small except the
 * `sockclnt_create_reply` table (66 bytes per message, a few thousand
 * messages) and `cli_inband` text; 16 MiB is far above both, and a corrupt
 * length must not make us buffer gigabytes.
 */
export const MAX_FRAME_PAYLOAD = 16 * 1024 * 1024;

/** Wrap a payload in its header. */
export function encodeFrame(payload: Uint8Array): Buffer {
  const out = Buffer.alloc(FRAME_HEADER_LEN + payload.length);
  out.writeUInt32BE(payload.length, 8);
  out.set(payload, FRAME_HEADER_LEN);
  return out;
}

/** A stream that cannot be framed any more; the connection must be dropped. */
export type FrameError = { readonly code: "VPP_E_FRAME_TOO_LARGE"; readonly length: number };

/** Incremental de-framer: feed it stream chunks, get whole payloads back. */
export class FrameReader {
  #buf: Buffer = Buffer.alloc(0);

  /** Bytes buffered but not yet a whole frame. */
  get pending(): number {
    return this.#buf.length;
  }

  /** Append `chunk` and return every payload completed by it, in order. */
  push(chunk: Uint8Array): Result<Buffer[], FrameError> {
    this.#buf = this.#buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buf, chunk]);
    const out: Buffer[] = [];
    while (this.#buf.length >= FRAME_HEADER_LEN) {
      const len = this.#buf.readUInt32BE(8);
      if (len > MAX_FRAME_PAYLOAD) return err({ code: "VPP_E_FRAME_TOO_LARGE", length: len });
      if (this.#buf.length < FRAME_HEADER_LEN + len) break;
      out.push(Buffer.from(this.#buf.subarray(FRAME_HEADER_LEN, FRAME_HEADER_LEN + len)));
      this.#buf = this.#buf.subarray(FRAME_HEADER_LEN + len);
    }
    return ok(out);
  }
}
