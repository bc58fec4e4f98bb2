/**
 * The part of an HTTP/1.1 response a health probe needs (RFC 9112), parsed
 * incrementally from the bytes read so far: the status line, the header
 * block (validated, with the two framing headers extracted), and — only when
 * a body regex is configured — the body, decoded from its framing. Pure: no
 * sockets, no timers; `http-common.ts` feeds it.
 *
 * What we accept and refuse:
 * - the status line must be `HTTP/1.x SP 3DIGIT`, reason optional (§4); a
 *   first byte sequence that cannot start one fails at once (a server that
 *   speaks another protocol must not look like a timeout);
 * - lines end in CRLF or a bare LF (§2.2 allows recipients to accept LF);
 * - header lines must be `token ":" value`; obsolete folding (§5.2) and
 *   anything else malformed is a protocol error, as are conflicting
 *   `Content-Length` values (§6.3 item 5);
 * - interim 1xx responses other than 101 are skipped (RFC 9110 §15.2);
 * - the head may not exceed {@link MAX_HEAD_BYTES}, Node's own default.
 */

/** Largest response head we read (Node's `--max-http-header-size` default). */
export const MAX_HEAD_BYTES = 16 * 1024;

/** A parsed final response head. */
export interface ResponseHead {
  readonly status: number;
  /** Offset of the first body byte in the buffer given to {@link parseHead}. */
  readonly bodyStart: number;
  /** How the body is delimited (RFC 9112 §6.3). */
  readonly framing:
    | { readonly kind: "none" }
    | { readonly kind: "length"; readonly length: number }
    | { readonly kind: "chunked" }
    | { readonly kind: "close" };
}

/** Outcome of parsing the bytes received so far. */
export type HeadParse =
  | { readonly kind: "more" }
  | { readonly kind: "error"; readonly detail: string }
  | { readonly kind: "head"; readonly head: ResponseHead };

const HTTP_PREFIX = "HTTP/";
const MORE: HeadParse = { kind: "more" };
const NONE: ResponseHead["framing"] = { kind: "none" };
const CHUNKED: ResponseHead["framing"] = { kind: "chunked" };
const CLOSE: ResponseHead["framing"] = { kind: "close" };

// The head is read as bytes: a probe answered every second by every backend
// must not decode each line into strings (that was ~460 B of garbage per HTTP
// probe in bench/health). Strings are made only for error details and for the
// rare Transfer-Encoding value.
const LF = 10;
const CR = 13;
const SP = 32;
const COLON = 58;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** `tchar` of RFC 9110 §5.6.2: the bytes a header name may contain. */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") {
  TCHAR[c.charCodeAt(0)] = 1;
}

/** Bytes `String.prototype.trim` removes from a latin1-decoded value (TAB..CR, SP, NBSP). */
const isTrimmed = (c: number): boolean => (c >= 9 && c <= 13) || c === SP || c === 0xa0;

function fail(detail: string): HeadParse {
  return { kind: "error", detail };
}

/** End of the line starting at `from` (before its CRLF or LF), or -1 when no LF yet; the next line starts at LF + 1. */
function lineEnd(buf: Buffer, from: number, lf: number): number {
  return lf > from && buf[lf - 1] === CR ? lf - 1 : lf;
}

/** The text of bytes [from, to), for error details. */
const text = (buf: Buffer, from: number, to: number): string => buf.toString("latin1", from, to);

/**
 * `HTTP/1.x SP 3DIGIT [SP reason]` (RFC 9112 §4) in bytes [from, end): the
 * status code, or -1. The reason may hold any byte but CR (LF cannot occur).
 */
function statusOf(buf: Buffer, from: number, end: number): number {
  const n = end - from;
  if (n < 12) return -1;
  for (let i = 0; i < 5; i++) if (buf[from + i] !== HTTP_PREFIX.charCodeAt(i)) return -1;
  if (buf[from + 5] !== 49 || buf[from + 6] !== 46 || !isDigit(buf[from + 7] as number)) return -1;
  if (buf[from + 8] !== SP) return -1;
  const d0 = buf[from + 9] as number;
  const d1 = buf[from + 10] as number;
  const d2 = buf[from + 11] as number;
  if (!isDigit(d0) || !isDigit(d1) || !isDigit(d2)) return -1;
  if (n > 12) {
    if (buf[from + 12] !== SP) return -1;
    for (let i = from + 13; i < end; i++) if (buf[i] === CR) return -1;
  }
  return (d0 - 48) * 100 + (d1 - 48) * 10 + (d2 - 48);
}

/** Whether bytes [from, to) spell `lower` (ASCII, case-insensitive; `lower` is lower case). */
function nameIs(buf: Buffer, from: number, to: number, lower: string): boolean {
  if (to - from !== lower.length) return false;
  for (let i = 0; i < lower.length; i++)
    if (((buf[from + i] as number) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/**
 * Parse the response head in `buf` (all bytes received so far). `headRequest`
 * tells whether the request was HEAD (its response has no body, RFC 9110 §9.3.2).
 */
export function parseHead(buf: Buffer, headRequest: boolean): HeadParse {
  let at = 0;
  for (;;) {
    // Fail as soon as the first bytes cannot begin "HTTP/".
    const prefix = Math.min(HTTP_PREFIX.length, buf.length - at);
    for (let i = 0; i < prefix; i++) {
      if (buf[at + i] !== HTTP_PREFIX.charCodeAt(i)) {
        return fail(`not an HTTP response: ${JSON.stringify(text(buf, at, at + 32))}`);
      }
    }
    const firstLf = buf.indexOf(LF, at);
    if (firstLf < 0) return buf.length - at > MAX_HEAD_BYTES ? fail("status line too long") : MORE;
    const firstEnd = lineEnd(buf, at, firstLf);
    const status = statusOf(buf, at, firstEnd);
    if (status < 0) {
      return fail(`bad status line: ${JSON.stringify(text(buf, at, firstEnd).slice(0, 64))}`);
    }
    let next = firstLf + 1;
    let length: number | undefined;
    let chunked = false;
    for (;;) {
      if (next - at > MAX_HEAD_BYTES) return fail(`response head over ${MAX_HEAD_BYTES} bytes`);
      const lf = buf.indexOf(LF, next);
      if (lf < 0) return buf.length - at > MAX_HEAD_BYTES ? fail("response head too long") : MORE;
      const from = next;
      const end = lineEnd(buf, from, lf);
      next = lf + 1;
      if (end === from) break;
      // `token ":" value`: the name is every byte before the first colon, and must be a non-empty token.
      let colon = from;
      while (colon < end && buf[colon] !== COLON) colon++;
      let nameOk = colon > from && colon < end;
      for (let i = from; nameOk && i < colon; i++) nameOk = TCHAR[buf[i] as number] === 1;
      if (!nameOk) return fail(`bad header line: ${JSON.stringify(text(buf, from, end).slice(0, 64))}`);
      if (nameIs(buf, from, colon, "content-length")) {
        let v0 = colon + 1;
        let v1 = end;
        while (v0 < v1 && isTrimmed(buf[v0] as number)) v0++;
        while (v1 > v0 && isTrimmed(buf[v1 - 1] as number)) v1--;
        let n = 0;
        let ok = v1 - v0 >= 1 && v1 - v0 <= 15;
        for (let i = v0; ok && i < v1; i++) {
          const c = buf[i] as number;
          ok = isDigit(c);
          n = n * 10 + (c - 48);
        }
        if (!ok) return fail(`bad Content-Length: ${JSON.stringify(text(buf, colon + 1, end).trim())}`);
        if (length !== undefined && length !== n) return fail("conflicting Content-Length values");
        length = n;
      } else if (nameIs(buf, from, colon, "transfer-encoding")) {
        // Chunked only counts when it is the final coding (RFC 9112 §6.3 item 4).
        chunked = /(?:^|,)\s*chunked\s*$/i.test(text(buf, colon + 1, end).trim());
      }
    }
    // 1xx responses are interim; the final response follows (RFC 9110 §15.2). 101 ends HTTP.
    if (status >= 100 && status < 200 && status !== 101) {
      at = next;
      if (at >= buf.length) return MORE;
      continue;
    }
    const noBody = headRequest || status === 204 || status === 304 || (status >= 100 && status < 200);
    const framing: ResponseHead["framing"] = noBody
      ? NONE
      : chunked
        ? CHUNKED
        : length !== undefined
          ? { kind: "length", length }
          : CLOSE;
    return { kind: "head", head: { status, bodyStart: next, framing } };
  }
}

/** Outcome of feeding body bytes to a {@link BodyReader}. */
export type BodyState = "more" | "complete" | { readonly error: string };

/**
 * Collects the first `limit` decoded body bytes, following the framing of
 * the head. `push` returns `complete` once the body ended or `limit` bytes
 * are in hand (the rest is never read: §2.4 body-limit).
 */
export class BodyReader {
  private readonly parts: Buffer[] = [];
  private kept = 0;
  private remaining: number;
  private chunkLeft = -1; // -1: expecting a chunk-size line; -2: expecting the CRLF after data
  private pending: Buffer | undefined; // an incomplete chunk-size line

  constructor(
    private readonly framing: ResponseHead["framing"],
    private readonly limit: number,
  ) {
    this.remaining = framing.kind === "length" ? framing.length : Number.POSITIVE_INFINITY;
  }

  /** The body bytes kept so far (at most `limit`). */
  body(): Buffer {
    return Buffer.concat(this.parts, this.kept);
  }

  /** Bytes kept so far. */
  get size(): number {
    return this.kept;
  }

  /** The body is delimited by the end of the connection (RFC 9112 §6.3 item 8). */
  get endsAtClose(): boolean {
    return this.framing.kind === "close";
  }

  push(data: Buffer): BodyState {
    switch (this.framing.kind) {
      case "none":
        return "complete";
      case "length":
      case "close": {
        const take = Math.min(data.length, this.remaining);
        this.remaining -= take;
        if (this.keep(data.subarray(0, take))) return "complete";
        return this.remaining === 0 ? "complete" : "more";
      }
      case "chunked":
        return this.chunked(data);
    }
  }

  /** Keep bytes up to the limit; true once the limit is reached. */
  private keep(data: Buffer): boolean {
    const room = this.limit - this.kept;
    if (room <= 0) return true;
    const part = data.length <= room ? data : data.subarray(0, room);
    if (part.length > 0) {
      this.parts.push(part);
      this.kept += part.length;
    }
    return this.kept >= this.limit;
  }

  private chunked(input: Buffer): BodyState {
    let data = this.pending === undefined ? input : Buffer.concat([this.pending, input]);
    this.pending = undefined;
    while (data.length > 0) {
      if (this.chunkLeft === -2) {
        // The CRLF (or LF) closing a chunk's data.
        const lf = data.indexOf(10);
        if (lf < 0) return "more";
        data = data.subarray(lf + 1);
        this.chunkLeft = -1;
        continue;
      }
      if (this.chunkLeft === -1) {
        const lf = data.indexOf(10);
        if (lf < 0) {
          if (data.length > 1024) return { error: "chunk-size line too long" };
          this.pending = Buffer.from(data);
          return "more";
        }
        const line = data.toString("latin1", 0, lf).replace(/\r$/, "");
        const m = /^([0-9A-Fa-f]{1,12})\s*(?:;.*)?$/.exec(line);
        if (m === null) return { error: `bad chunk size line: ${JSON.stringify(line.slice(0, 32))}` };
        const size = Number.parseInt(m[1] as string, 16);
        data = data.subarray(lf + 1);
        // The last chunk: trailers (if any) do not matter to a health check.
        if (size === 0) return "complete";
        this.chunkLeft = size;
        continue;
      }
      const take = Math.min(this.chunkLeft, data.length);
      if (this.keep(data.subarray(0, take))) return "complete";
      this.chunkLeft -= take;
      data = data.subarray(take);
      if (this.chunkLeft === 0) this.chunkLeft = -2;
    }
    return "more";
  }
}
