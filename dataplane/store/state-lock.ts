/**
 * One daemon per state directory. Two daemons writing the same collections
 * would silently overwrite each other's records, so the daemon takes
 * `<dir>/magnetite.pid` exclusively at start. A lock left by a process that
 * no longer exists (SIGKILL, power loss) is stale and taken over; a lock held
 * by a live process is a typed refusal.
 */
import { open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { StoreError } from "./errors.js";

/** The held lock; `release` is idempotent. */
export interface StateLock {
  readonly file: string;
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: unknown) {
    // EPERM: it exists but belongs to someone else, which still means alive.
    return e instanceof Error && "code" in e && e.code === "EPERM";
  }
}

async function tryCreate(file: string): Promise<boolean> {
  try {
    const h = await open(file, "wx", 0o600);
    await h.writeFile(`${process.pid}\n`);
    await h.sync();
    await h.close();
    return true;
  } catch (e: unknown) {
    if (e instanceof Error && "code" in e && e.code === "EEXIST") return false;
    throw e;
  }
}

/** Take the lock on `dir` or throw `STORE_E_LOCKED` naming the holder. */
export async function acquireStateLock(dir: string): Promise<StateLock> {
  const file = join(dir, "magnetite.pid");
  for (let attempt = 0; attempt < 2; attempt += 1) {
    if (await tryCreate(file)) {
      let released = false;
      return {
        file,
        release: async () => {
          if (released) return;
          released = true;
          await rm(file, { force: true });
        },
      };
    }
    const holder = Number.parseInt(await readFile(file, "utf8").catch(() => ""), 10);
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
      throw new StoreError("STORE_E_LOCKED", `state directory ${dir} is in use by pid ${holder}`, {
        file,
        pid: holder,
      });
    }
    await rm(file, { force: true }); // stale: its owner is gone
  }
  throw new StoreError("STORE_E_LOCKED", `could not take the lock ${file}`, { file });
}
