import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { StoreError } from "../../../dataplane/store/errors.js";
import { acquireStateLock } from "../../../dataplane/store/state-lock.js";

describe("state directory lock", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "mgt-lock-"));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it("writes our pid and removes the file on release (twice is harmless)", async () => {
    const lock = await acquireStateLock(dir);
    assert.equal((await readFile(lock.file, "utf8")).trim(), String(process.pid));
    await lock.release();
    await lock.release();
    await assert.rejects(readFile(lock.file, "utf8"), /ENOENT/);
  });

  it("refuses while a live process holds it, naming the pid", async () => {
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
    try {
      await writeFile(join(dir, "magnetite.pid"), `${child.pid}\n`);
      await assert.rejects(
        acquireStateLock(dir),
        (e: unknown) =>
          e instanceof StoreError && e.code === "STORE_E_LOCKED" && e.message.includes(String(child.pid)),
      );
    } finally {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
  });

  it("takes over a stale lock whose owner is gone", async () => {
    const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
    await once(child, "exit");
    await writeFile(join(dir, "magnetite.pid"), `${child.pid}\n`);
    const lock = await acquireStateLock(dir);
    assert.equal((await readFile(lock.file, "utf8")).trim(), String(process.pid));
    await lock.release();
  });

  it("takes over a lock file with garbage in it", async () => {
    await writeFile(join(dir, "magnetite.pid"), "not a pid");
    const lock = await acquireStateLock(dir);
    await lock.release();
  });
});
