/**
 * A test oracle for `parseHead` (dataplane/probes/http-response.ts): the
 * straightforward string-and-regex form it had before it was rewritten to
 * read bytes (issue 6: ~460 B of garbage per HTTP probe). Slow and clear;
 * `http-response.test.ts` checks the two agree on generated input.
 */
import {
  type HeadParse,
  MAX_HEAD_BYTES,
  type ResponseHead,
} from "../../../dataplane/probes/http-response.js";

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

/** The head parser before it worked on bytes: one string per line, regular expressions. */
export function referenceParseHead(buf: Buffer, headRequest: boolean): HeadParse {
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
