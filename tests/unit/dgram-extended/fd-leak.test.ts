/**
 * No descriptor or memory leak: 10,000 sockets opened and closed leave
 * /proc/self/fd as it was, and the native records are freed once the
 * wrappers are collected.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { describe, it } from "node:test";
import { createNetlinkSocket, createUdpSocket, nativeStats } from "dgram-extended";

const fdCount = (): number => readdirSync("/proc/self/fd").length;

describe("descriptor and memory hygiene", () => {
  it("10,000 open/close cycles leave /proc/self/fd unchanged", () => {
    const before = fdCount();
    const openBefore = nativeStats().open;
    for (let i = 0; i < 10_000; i++) {
      const s =
        i % 2 === 0
          ? createUdpSocket({ family: 4, address: "127.0.0.1", port: 0 })
          : createUdpSocket({ family: 6, address: "::1", port: 0, reuseAddress: true });
      s.close();
    }
    for (let i = 0; i < 100; i++) createNetlinkSocket().close();
    assert.equal(nativeStats().open, openBefore);
    assert.equal(fdCount(), before);
  });

  it("native records are freed after close and garbage collection", () => {
    // A child with --expose-gc, so collection can be forced deterministically.
    const script = `
      import { createUdpSocket, nativeStats } from "dgram-extended";
      const base = nativeStats().live;
      for (let i = 0; i < 10000; i++) createUdpSocket({ family: 4, address: "127.0.0.1", port: 0 }).close();
      const peak = nativeStats().live - base;
      const rss0 = process.memoryUsage().rss;
      for (let round = 0; round < 5 && nativeStats().live > base; round++) {
        globalThis.gc();
        await new Promise((r) => setImmediate(r));
      }
      console.log(JSON.stringify({ peak, left: nativeStats().live - base, open: nativeStats().open, rss0 }));
    `;
    const r = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim()) as { peak: number; left: number; open: number };
    assert.ok(out.peak > 0, "records exist until collected");
    assert.equal(out.left, 0, "every native record freed");
    assert.equal(out.open, 0);
  });
});
