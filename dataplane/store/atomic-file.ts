/**
 * Crash-safe file replacement: write a temp file in the same directory, fsync
 * it, rename it over the target, fsync the directory. rename(2) is atomic on
 * POSIX, so a reader (or a restart after `kill -9`) sees the old file or the
 * new one, never a mix; the directory fsync makes the rename itself durable
 * across power loss. A failure leaves the old file in place and removes the
 * temp file.
 */
import { open, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

let sequence = 0;

/** The temp-file prefix for `path`; anything starting with it is leftover debris from a crash. */
export function tempPrefix(path: string): string {
  return `${basename(path)}.tmp-`;
}

/** Atomically replace `path` with `data`. Throws the underlying error on failure (after cleaning up). */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  sequence += 1;
  const tmp = join(dirname(path), `${tempPrefix(path)}${process.pid}-${sequence}`);
  try {
    const fh = await open(tmp, "wx", 0o600);
    try {
      await fh.writeFile(data, "utf8");
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e: unknown) {
    await rm(tmp, { force: true });
    throw e;
  }
  await syncDirectory(dirname(path));
}

/** fsync a directory so a rename or unlink in it survives power loss. */
export async function syncDirectory(dir: string): Promise<void> {
  const dh = await open(dir, "r");
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

/** The file's text, or `undefined` when it does not exist. Other errors are thrown. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (e: unknown) {
    if (e instanceof Error && "code" in e && e.code === "ENOENT") return undefined;
    throw e;
  }
}
