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
const STATUS_LINE = /^HTTP\/1\.\d (\d{3})(?: [^\r\n]*)?$/;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const MORE: HeadParse = { kind: "more" };

function fail(detail: string): HeadParse {
  return { kind: "error", detail };
}

/** Index just past the end of the line starting at `from`, and the line without its terminator. */
function lineAt(buf: Buffer, from: number): { line: string; next: number } | undefined {
  const lf = buf.indexOf(10, from);
  if (lf < 0) return undefined;
  const end = lf > from && buf[lf - 1] === 13 ? lf - 1 : lf;
  return { line: buf.toString("latin1", from, end), next: lf + 1 };
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
    if (buf.toString("latin1", at, at + prefix) !== HTTP_PREFIX.slice(0, prefix)) {
      return fail(`not an HTTP response: ${JSON.stringify(buf.toString("latin1", at, at + 32))}`);
    }
    const first = lineAt(buf, at);
    if (first === undefined) return buf.length - at > MAX_HEAD_BYTES ? fail("status line too long") : MORE;
    const m = STATUS_LINE.exec(first.line);
    if (m === null) return fail(`bad status line: ${JSON.stringify(first.line.slice(0, 64))}`);
    const status = Number(m[1]);
    let next = first.next;
    let length: number | undefined;
    let chunked = false;
    for (;;) {
      if (next - at > MAX_HEAD_BYTES) return fail(`response head over ${MAX_HEAD_BYTES} bytes`);
      const l = lineAt(buf, next);
      if (l === undefined) return buf.length - at > MAX_HEAD_BYTES ? fail("response head too long") : MORE;
      next = l.next;
      if (l.line === "") break;
      const colon = l.line.indexOf(":");
      const name = colon > 0 ? l.line.slice(0, colon) : "";
      if (!HEADER_NAME.test(name)) return fail(`bad header line: ${JSON.stringify(l.line.slice(0, 64))}`);
      const value = l.line.slice(colon + 1).trim();
      const lower = name.toLowerCase();
      if (lower === "content-length") {
        if (!/^\d{1,15}$/.test(value)) return fail(`bad Content-Length: ${JSON.stringify(value)}`);
        const n = Number(value);
        if (length !== undefined && length !== n) return fail("conflicting Content-Length values");
        length = n;
      } else if (lower === "transfer-encoding") {
        // Chunked only counts when it is the final coding (RFC 9112 §6.3 item 4).
        chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
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
      ? { kind: "none" }
      : chunked
        ? { kind: "chunked" }
        : length !== undefined
          ? { kind: "length", length }
          : { kind: "close" };
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
