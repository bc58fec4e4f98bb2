import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  BodyReader,
  MAX_HEAD_BYTES,
  parseHead,
  type ResponseHead,
} from "../../../dataplane/probes/http-response.js";
import { referenceParseHead } from "./http-head-reference.js";

const b = (s: string) => Buffer.from(s, "latin1");

function head(text: string, headRequest = false): ResponseHead {
  const p = parseHead(b(text), headRequest);
  assert.equal(p.kind, "head", JSON.stringify(p));
  return (p as { head: ResponseHead }).head;
}

function errorOf(text: string): string {
  const p = parseHead(b(text), false);
  assert.equal(p.kind, "error", JSON.stringify(p));
  return (p as { detail: string }).detail;
}

/** Feed `body` to a reader in pieces of `step` bytes; the final state and the kept text. */
function read(framing: ResponseHead["framing"], body: string, limit: number, step: number) {
  const r = new BodyReader(framing, limit);
  let state: ReturnType<BodyReader["push"]> = "more";
  for (let i = 0; i < body.length && state === "more"; i += step) state = r.push(b(body.slice(i, i + step)));
  return { state, text: r.body().toString("latin1") };
}

describe("HTTP response head (RFC 9112)", () => {
  it("status, framing and body offset; CRLF or bare LF line ends", () => {
    const text = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX: y\r\n\r\nabc";
    const h = head(text);
    assert.deepEqual(h, {
      status: 200,
      bodyStart: text.indexOf("abc"),
      framing: { kind: "length", length: 3 },
    });
    assert.equal(head("HTTP/1.0 503\n\n").status, 503);
    assert.deepEqual(head("HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n").framing, {
      kind: "chunked",
    });
    assert.deepEqual(head("HTTP/1.1 200 OK\r\n\r\n").framing, { kind: "close" });
  });

  it("HEAD, 204 and 304 have no body whatever the headers say", () => {
    assert.deepEqual(head("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", true).framing, { kind: "none" });
    assert.deepEqual(head("HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n").framing, { kind: "none" });
    assert.deepEqual(head("HTTP/1.1 304 Not Modified\r\n\r\n").framing, { kind: "none" });
  });

  it("interim 1xx responses are skipped; the final status counts (RFC 9110 §15.2)", () => {
    const h = head(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\n\r\n",
    );
    assert.equal(h.status, 201);
    assert.equal(parseHead(b("HTTP/1.1 100 Continue\r\n\r\n"), false).kind, "more");
  });

  it("incomplete heads ask for more; garbage fails at the first byte that cannot be HTTP", () => {
    assert.equal(parseHead(b("HTT"), false).kind, "more");
    assert.equal(parseHead(b("HTTP/1.1 200 OK\r\nServer: x"), false).kind, "more");
    assert.match(errorOf("SSH-2.0-OpenSSH_9.2\r\n"), /not an HTTP response/);
    assert.match(errorOf("S"), /not an HTTP response/);
    assert.match(errorOf("HTTP/2 200\r\n\r\n"), /bad status line/);
    assert.match(errorOf("HTTP/1.1 2000 OK\r\n\r\n"), /bad status line/);
    assert.match(errorOf("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"), /bad header line/);
    assert.match(errorOf("HTTP/1.1 200 OK\r\n folded: x\r\n\r\n"), /bad header line/);
    assert.match(errorOf("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"), /conflicting/);
    assert.match(errorOf("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"), /bad Content-Length/);
  });

  it("a head larger than the limit fails instead of buffering without bound", () => {
    const big = `HTTP/1.1 200 OK\r\nX: ${"a".repeat(MAX_HEAD_BYTES)}`;
    assert.match(errorOf(big), /too long|over/);
    const many = `HTTP/1.1 200 OK\r\n${"X: y\r\n".repeat(MAX_HEAD_BYTES / 5)}`;
    assert.match(errorOf(many), /over|too long/);
  });

  it("any bytes, split anywhere, never throw and end in more, error or a head", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, headRequest) => {
        const p = parseHead(Buffer.from(bytes), headRequest);
        assert.ok(p.kind === "more" || p.kind === "error" || p.kind === "head");
      }),
    );
  });

  it("a valid response gives the same status however its bytes are cut", () => {
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 599 }), fc.nat(80), (status, cut) => {
        const text = `HTTP/1.1 ${status} X\r\nContent-Length: 2\r\nA-B: c\r\n\r\nok`;
        const part = parseHead(b(text.slice(0, Math.min(cut, text.length))), false);
        if (part.kind === "head") assert.equal(part.head.status, status);
        else assert.equal(part.kind, "more");
        assert.equal(head(text).status, status);
      }),
    );
  });
});

describe("HTTP response head: byte parser ≡ string oracle", () => {
  const piece = fc.oneof(
    fc.constantFrom(
      "HTTP/1.1 ",
      "HTTP/1.0 ",
      "HTTP/1.",
      "HTTP/2 ",
      "HTTP/",
      "HTT",
      "200",
      "100",
      "101",
      "204",
      "304",
      "2000",
      " OK",
      " ",
      "\r\n",
      "\n",
      "\r",
      "\r\r\n",
      ":",
      "Content-Length",
      "content-LENGTH",
      "Transfer-Encoding",
      "chunked",
      "gzip, chunked",
      "X-A",
      " folded",
      "\t",
      "\u00a0",
      "\u0085",
      "12",
      "-1",
      "123456789012345",
      "1234567890123456",
      "é",
      "\u0000",
    ),
    fc.string({ maxLength: 4 }),
    fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
  );

  it("same parse of any concatenation of HTTP-ish pieces, whole or cut", () => {
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 40 }),
        fc.boolean(),
        fc.nat(200),
        (parts, headRequest, cut) => {
          const full = b(parts.join(""));
          for (const buf of [full, full.subarray(0, cut)]) {
            assert.deepStrictEqual(parseHead(buf, headRequest), referenceParseHead(buf, headRequest));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("same parse of well-formed heads with framing headers, interim and bodiless statuses", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          "HTTP/1.1 200 OK\r\n",
          "HTTP/1.0 404\n",
          "HTTP/1.1 101 Switching\r\n",
          "HTTP/1.1 204\r\n",
          "HTTP/1.1 304 NM\r\n",
          "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 EH\r\nLink: x\r\n\r\nHTTP/1.1 200 OK\r\n",
        ),
        fc.array(
          fc.tuple(
            fc.constantFrom("Content-Length", "transfer-encoding", "Host", "X"),
            fc.constantFrom(": 5", ":5 ", ": chunked", ": \t12\t", ":", ": 1, 2", ": 000", ": gzip,chunked"),
          ),
          { maxLength: 4 },
        ),
        fc.boolean(),
        (status, headers, headRequest) => {
          const buf = b(`${status}${headers.map(([n, v]) => `${n}${v}\r\n`).join("")}\r\nbody`);
          assert.deepStrictEqual(parseHead(buf, headRequest), referenceParseHead(buf, headRequest));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("HTTP response body", () => {
  it("Content-Length: complete at the declared length, and at the limit before it", () => {
    assert.deepEqual(read({ kind: "length", length: 5 }, "hello, rest", 100, 3), {
      state: "complete",
      text: "hello",
    });
    assert.deepEqual(read({ kind: "length", length: 50 }, "x".repeat(50), 10, 7), {
      state: "complete",
      text: "x".repeat(10),
    });
  });

  it("chunked: sizes, extensions and a split CRLF decode to the data; the last chunk completes", () => {
    const wire = "4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n";
    for (const step of [1, 2, 3, 7, wire.length]) {
      assert.deepEqual(read({ kind: "chunked" }, wire, 1000, step), {
        state: "complete",
        text: "Wikipedia in\r\n\r\nchunks.",
      });
    }
    assert.deepEqual(read({ kind: "chunked" }, wire, 6, 4), { state: "complete", text: "Wikipe" });
  });

  it("a bad chunk size is an error; read-until-close stays open until the limit", () => {
    const bad = read({ kind: "chunked" }, "zz\r\nab\r\n", 100, 100);
    assert.equal(typeof bad.state === "object" && /bad chunk size/.test(bad.state.error), true);
    assert.deepEqual(read({ kind: "close" }, "abc", 100, 1), { state: "more", text: "abc" });
    assert.deepEqual(read({ kind: "close" }, "abcdef", 4, 5), { state: "complete", text: "abcd" });
  });
});
