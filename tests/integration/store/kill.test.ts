/**
 * kill -9 at random instants while a child process commits in a tight loop
 * (DESIGN.md, Persistence): after every kill the collection must open and
 * hold exactly the last acknowledged state or the one in flight — never a
 * torn file, never a lost acknowledged write, and the counter never goes back.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { Store } from "../../../dataplane/store/index.js";
import { counterSpec } from "../../fixtures/store/counter-spec.js";

const KILLS = 20;
const here = dirname(fileURLToPath(import.meta.url));
// From source (tsx) the writer is a .ts file run through tsx; after `tsc` it is plain .js.
const fromSource = import.meta.url.endsWith(".ts");
const writer = resolve(here, "../../fixtures/store", fromSource ? "writer.ts" : "writer.js");
const repoRoot = resolve(here, fromSource ? "../../.." : "../../../..");

let dir: string;
let child: ChildProcess | undefined;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "mgn-kill-"));
});
after(async () => {
  child?.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

/** Start the writer; resolve with it once it has acknowledged its first commit. */
function startWriter(acked: { last: number }): Promise<ChildProcess> {
  const args = fromSource ? ["--import", "tsx", writer, dir] : [writer, dir];
  const proc = spawn(process.execPath, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  child = proc;
  let buf = "";
  let stderr = "";
  proc.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`writer did not start in 10 s: ${stderr}`)), 10_000);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`writer exited early (${code}): ${stderr}`));
    });
    proc.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      for (const l of lines) if (l !== "") acked.last = Number(l);
      if (acked.last > 0) {
        clearTimeout(timer);
        proc.removeAllListeners("exit");
        resolveStart(proc);
      }
    });
  });
}

function killAndWait(proc: ChildProcess): Promise<void> {
  return new Promise((done) => {
    // "close", not "exit": it fires after stdout is drained, so no acknowledgement is missed.
    proc.once("close", () => done());
    proc.kill("SIGKILL");
  });
}

describe("store survives kill -9", () => {
  it(`after ${KILLS} SIGKILLs at random instants, the store is always an old or new valid state`, async (t) => {
    let previous = 0;
    for (let i = 0; i < KILLS; i++) {
      const acked = { last: 0 };
      const proc = await startWriter(acked);
      // The random instant: 0–30 ms into the write loop (several commits land per ms).
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 30)));
      const ackedBeforeKill = acked.last;
      await killAndWait(proc);
      // Lines already in the pipe when the kill landed still count as acknowledged.
      const lastAcked = Math.max(ackedBeforeKill, acked.last);
      const opened = await new Store({ dir }).openCollection(counterSpec);
      if (!opened.ok) assert.fail(`kill ${i}: ${opened.error.code} ${opened.error.message}`);
      const c = opened.value;
      const [a, b, cc] = [c.get("a")?.value.n, c.get("b")?.value.n, c.get("c")?.value.n];
      assert.ok(a !== undefined, `kill ${i}: no record`);
      assert.equal(b, a, `kill ${i}: torn batch`);
      assert.equal(cc, a, `kill ${i}: torn batch`);
      assert.equal(c.generation, a, `kill ${i}: generation counts every commit`);
      assert.ok(a >= lastAcked, `kill ${i}: acknowledged write ${lastAcked} lost (found ${a})`);
      assert.ok(a <= lastAcked + 1, `kill ${i}: ${a} is beyond the one write in flight after ${lastAcked}`);
      assert.ok(a > previous, `kill ${i}: counter went back or stalled (${previous} → ${a})`);
      previous = a;
    }
    t.diagnostic(`${KILLS} kills, ${previous} commits survived in total`);
  });
});
