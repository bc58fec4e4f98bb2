/**
 * Judging an HTTP/1.1 answer as it arrives, shared by the Node-socket path
 * (`http-common.ts`, used by HTTPS and host names) and the native path
 * (`http.ts` on the stream-probe engine): the status line and head are
 * parsed by `http-response.ts`; the body is decoded only for a regex.
 *
 * Verdicts and how the connection ends (attempt.ts): a decided answer (pass,
 * bad status, body mismatch) closes with a reset, a protocol error or a
 * premature close gracefully.
 */
import type { ProbeFailureCode } from "../../protocols/health/probe-result.js";
import type { StatusSet } from "../../protocols/health/status-set.js";
import { formatStatusSet, statusMatches } from "../../protocols/health/status-set.js";
import type { CloseMode } from "./attempt.js";
import { BodyReader, parseHead } from "./http-response.js";

/**
 * `HTTP <status>`, made once per status: the detail of a passing probe is kept
 * as the backend's last result for a whole interval, so a fresh string per
 * probe would be promoted garbage (bench/health).
 */
const STATUS_DETAILS: string[] = [];
function statusDetail(status: number): string {
  const cached = STATUS_DETAILS[status];
  if (cached !== undefined) return cached;
  const d = `HTTP ${status}`;
  if (status >= 100 && status <= 999) STATUS_DETAILS[status] = d;
  return d;
}
/** Where a judge reports: an attempt (Node-socket or native). */
export interface Verdict {
  readonly done: boolean;
  pass(detail: string, close?: CloseMode): void;
  fail(code: ProbeFailureCode, detail: string, close?: CloseMode): void;
}

/** What an answer must be. */
export interface AnswerRules {
  readonly expect: StatusSet;
  readonly bodyRegex: RegExp | undefined;
  readonly bodyLimit: number;
  /** The request was HEAD: the answer has no body (RFC 9110 §9.3.2). */
  readonly headRequest: boolean;
}

/** One response being judged. */
export class ResponseJudge {
  private pending: Buffer | undefined;
  private status = 0;
  private body: BodyReader | undefined;

  /**
   * `volatileChunks`: the chunks given to `data` are only valid during the
   * call (the native engine's shared buffer), so whatever is kept is copied.
   */
  constructor(
    private readonly rules: AnswerRules,
    private readonly volatileChunks: boolean,
  ) {}

  /** Bytes of the answer, in order. */
  data(chunk: Buffer, v: Verdict): void {
    if (v.done) return;
    const re = this.rules.bodyRegex;
    if (this.body !== undefined && re !== undefined) {
      this.feed(v, this.body, re, this.kept(chunk));
      return;
    }
    const pending = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    const p = parseHead(pending, this.rules.headRequest);
    if (p.kind === "more") {
      this.pending = pending === chunk ? this.kept(chunk) : pending;
      return;
    }
    this.pending = undefined;
    if (p.kind === "error") {
      v.fail("protocol-error", p.detail);
      return;
    }
    const status = p.head.status;
    this.status = status;
    if (!statusMatches(this.rules.expect, status)) {
      v.fail("bad-status", `HTTP ${status}, expected ${formatStatusSet(this.rules.expect)}`, "reset");
    } else if (re === undefined) {
      v.pass(statusDetail(status));
    } else {
      this.body = new BodyReader(p.head.framing, this.rules.bodyLimit);
      this.feed(v, this.body, re, this.kept(pending.subarray(p.head.bodyStart)));
    }
  }

  /** The peer closed (after every byte given to `data`). */
  end(v: Verdict): void {
    if (v.done) return;
    const body = this.body;
    const re = this.rules.bodyRegex;
    if (body !== undefined && re !== undefined) {
      // Read-until-close framing ends here; a declared length or chunking cut short does not.
      if (body.endsAtClose) this.judge(v, body, re);
      else v.fail("closed", `peer closed after ${body.size} body bytes, before the end of the body`);
    } else if (this.pending === undefined) {
      v.fail("closed", "peer closed without answering");
    } else {
      v.fail("protocol-error", `peer closed inside the response head (${this.pending.length} bytes)`);
    }
  }

  private kept(chunk: Buffer): Buffer {
    return this.volatileChunks ? Buffer.from(chunk) : chunk;
  }

  private judge(v: Verdict, reader: BodyReader, re: RegExp): void {
    const text = reader.body().toString("utf8");
    if (re.test(text)) v.pass(`HTTP ${this.status}, body matches ${re}`);
    else
      v.fail(
        "body-mismatch",
        `HTTP ${this.status}, first ${reader.size} body bytes do not match ${re}`,
        "reset",
      );
  }

  private feed(v: Verdict, reader: BodyReader, re: RegExp, data: Buffer): void {
    const state = reader.push(data);
    if (state === "complete") this.judge(v, reader, re);
    else if (state !== "more") v.fail("protocol-error", state.error);
  }
}
