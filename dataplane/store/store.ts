/**
 * The embedded store: a directory (the daemon's state directory) holding one
 * file per collection (format.ts). Opening a collection reads and migrates
 * its file; a bad file is returned as a typed error and left exactly as it
 * was, for the operator to inspect — never replaced by an empty collection.
 */
import { copyFile, mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { InvariantError } from "../../protocols/common/domain-error.js";
import { err, ok, type Result } from "../../protocols/common/result.js";
import { readIfExists, syncDirectory, tempPrefix, writeFileAtomic } from "./atomic-file.js";
import { Collection, type WallClock } from "./collection.js";
import { reason, StoreError } from "./errors.js";
import { type CollectionSpec, type CollectionState, decodeCollection, encodeCollection } from "./format.js";

const NAME = /^[a-z0-9][a-z0-9-]*$/;

/** Options for a store. */
export interface StoreOptions {
  /** The state directory; created (mode 0700) if missing. */
  readonly dir: string;
  /** Timestamps for `updatedAt`; defaults to the system clock. */
  readonly wallClock?: WallClock;
}

/** A directory of collections. One `Store` per directory per process. */
export class Store {
  private readonly open = new Map<string, { spec: CollectionSpec<never>; collection: Collection<never> }>();
  private readonly wallClock: WallClock;

  constructor(private readonly options: StoreOptions) {
    this.wallClock = options.wallClock ?? (() => new Date());
  }

  /** The file a collection lives in. */
  fileOf(name: string): string {
    return join(this.options.dir, `${name}.json`);
  }

  /**
   * Open (load, migrate) a collection. A missing file is an empty collection.
   * A file stored at an older version is migrated, the original kept as
   * `<name>.json.v<N>.bak`, and the migrated state written back so the
   * migration runs once. Never throws for bad data or I/O; only a malformed
   * `spec` (a programmer error) throws.
   */
  async openCollection<T>(spec: CollectionSpec<T>): Promise<Result<Collection<T>, StoreError>> {
    if (!NAME.test(spec.name)) throw new InvariantError(`bad collection name ${spec.name}`);
    if (spec.migrations.length !== spec.schemaVersion) {
      throw new InvariantError(
        `${spec.name}: ${spec.migrations.length} migrations for schemaVersion ${spec.schemaVersion}`,
      );
    }
    const cached = this.open.get(spec.name);
    if (cached !== undefined) {
      if (cached.spec !== (spec as CollectionSpec<unknown>))
        throw new InvariantError(`${spec.name} opened with two specs`);
      return ok(cached.collection as unknown as Collection<T>);
    }
    const file = this.fileOf(spec.name);
    const fail = (code: StoreError["code"], message: string) =>
      err(new StoreError(code, `${file}: ${message}`, { collection: spec.name, file }));
    let text: string | undefined;
    try {
      await mkdir(this.options.dir, { recursive: true, mode: 0o700 });
      await this.removeDebris(file);
      text = await readIfExists(file);
    } catch (e: unknown) {
      return fail("STORE_E_READ", reason(e));
    }
    let state: CollectionState<T> = { generation: 0, records: new Map() };
    if (text !== undefined) {
      const decoded = decodeCollection(spec, text);
      if (!decoded.ok) return fail(decoded.error.code, decoded.error.message);
      state = decoded.value.state;
      if (decoded.value.storedVersion < spec.schemaVersion) {
        try {
          await copyFile(file, `${file}.v${decoded.value.storedVersion}.bak`);
          await writeFileAtomic(file, encodeCollection(spec, state));
        } catch (e: unknown) {
          return fail("STORE_E_WRITE", `persisting the migration: ${reason(e)}`);
        }
      }
    }
    const collection = new Collection(spec, file, state, this.wallClock);
    this.open.set(spec.name, {
      spec: spec as unknown as CollectionSpec<never>,
      collection: collection as unknown as Collection<never>,
    });
    return ok(collection);
  }

  /** Wait for every queued write in every open collection. */
  async flush(): Promise<void> {
    await Promise.all([...this.open.values()].map((c) => c.collection.flush()));
  }

  // Temp files left by a crash mid-write are never the committed state.
  private async removeDebris(file: string): Promise<void> {
    const prefix = tempPrefix(file);
    const names = await readdir(this.options.dir);
    const debris = names.filter((n) => n.startsWith(prefix));
    await Promise.all(debris.map((n) => rm(join(this.options.dir, n), { force: true })));
    if (debris.length > 0) await syncDirectory(this.options.dir);
  }
}
