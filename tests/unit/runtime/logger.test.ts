import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { actorLogger, createRootLogger, silentLogger } from "../../../actors/runtime/logger.js";

/** Collects JSON lines written by pino (pino writes synchronously to a plain stream). */
function sink(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const lines = (): Array<Record<string, unknown>> =>
    chunks
      .join("")
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, lines };
}

describe("logger", () => {
  it("writes JSON lines with the level threshold applied", () => {
    const s = sink();
    const log = createRootLogger({ level: "warn", destination: s.stream, base: { node: "t1" } });
    log.info("hidden");
    log.warn({ peer: "10.0.0.1" }, "shown");
    const lines = s.lines();
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.["msg"], "shown");
    assert.equal(lines[0]?.["peer"], "10.0.0.1");
    assert.equal(lines[0]?.["node"], "t1");
    assert.equal(typeof lines[0]?.["time"], "string");
  });

  it("gives each actor a child with fixed component, kind and path bindings", () => {
    const s = sink();
    const root = createRootLogger({ level: "debug", destination: s.stream });
    actorLogger(root, { kind: "bfd-session", path: "/bfd/s1" }).debug("hello");
    const [line] = s.lines();
    assert.equal(line?.["component"], "actor");
    assert.equal(line?.["kind"], "bfd-session");
    assert.equal(line?.["path"], "/bfd/s1");
    assert.equal(line?.["msg"], "hello");
  });

  it("has a silent logger that is disabled at every level", () => {
    assert.equal(silentLogger().isLevelEnabled("fatal"), false);
  });
});
