/**
 * One open collection: the committed state in memory, and a write path that
 * is serialised per collection (a promise chain) so two writes never race on
 * the file or on the in-memory state. A write builds the next state from the
 * committed one, replaces the file atomically, and only then swaps the
 * in-memory state — readers never see an uncommitted value, and a failed
 * write changes nothing.
 */
import { writeFileAtomic } from "./atomic-file.js";
import { reason, StoreError } from "./errors.js";
import { type CollectionSpec, type CollectionState, encodeCollection, type StoredRecord } from "./format.js";

/** One change in an atomic batch. `expectVersion` 0 means "must not exist". */
export type StoreOp<T> =
  | { readonly kind: "put"; readonly key: string; readonly value: T; readonly expectVersion?: number }
  | { readonly kind: "delete"; readonly key: string; readonly expectVersion?: number };

/** A source of wall-clock timestamps for `updatedAt` (injected for tests). */
export type WallClock = () => Date;

/** An open collection of versioned records. */
export class Collection<T> {
  readonly name: string;
  private state: CollectionState<T>;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly spec: CollectionSpec<T>,
    private readonly file: string,
    initial: CollectionState<T>,
    private readonly wallClock: WallClock,
  ) {
    this.name = spec.name;
    this.state = initial;
  }

  /** Number of committed writes to the file so far. */
  get generation(): number {
    return this.state.generation;
  }

  /** The committed record under `key`. */
  get(key: string): StoredRecord<T> | undefined {
    return this.state.records.get(key);
  }

  /** Every committed record, sorted by key. */
  list(): StoredRecord<T>[] {
    return [...this.state.records.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Insert or replace one record. */
  async put(key: string, value: T, options: { expectVersion?: number } = {}): Promise<StoredRecord<T>> {
    const op: StoreOp<T> = { kind: "put", key, value, ...options };
    await this.apply([op]);
    const rec = this.state.records.get(key);
    if (rec === undefined) throw new StoreError("STORE_E_WRITE", "record vanished after put", { key });
    return rec;
  }

  /** Remove one record; resolves false (and writes nothing) when it did not exist. */
  async delete(key: string, options: { expectVersion?: number } = {}): Promise<boolean> {
    let existed = false;
    await this.enqueue(async () => {
      existed = this.state.records.has(key);
      if (existed || options.expectVersion !== undefined) {
        await this.commit([{ kind: "delete", key, ...options }]);
      }
    });
    return existed;
  }

  /** Apply a batch atomically: every op lands in one file replace, or none does. */
  apply(ops: readonly StoreOp<T>[]): Promise<void> {
    return this.enqueue(() => this.commit(ops));
  }

  /** Resolves once every write queued so far has settled (for orderly shutdown). */
  async flush(): Promise<void> {
    await this.tail.then(
      () => undefined,
      () => undefined,
    );
  }

  private enqueue<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async commit(ops: readonly StoreOp<T>[]): Promise<void> {
    const records = new Map(this.state.records);
    const updatedAt = this.wallClock().toISOString();
    for (const op of ops) {
      const cur = records.get(op.key);
      if (op.expectVersion !== undefined && (cur?.version ?? 0) !== op.expectVersion) {
        throw new StoreError("STORE_E_CONFLICT", `record ${op.key} is at version ${cur?.version ?? 0}`, {
          collection: this.name,
          key: op.key,
          expected: op.expectVersion,
          actual: cur?.version ?? 0,
        });
      }
      if (op.kind === "put")
        records.set(op.key, { key: op.key, version: (cur?.version ?? 0) + 1, updatedAt, value: op.value });
      else records.delete(op.key);
    }
    const next: CollectionState<T> = { generation: this.state.generation + 1, records };
    try {
      // Encoding inside the try: a value JSON cannot represent (a BigInt) is a failed write too.
      await writeFileAtomic(this.file, encodeCollection(this.spec, next));
    } catch (e: unknown) {
      throw new StoreError("STORE_E_WRITE", `writing ${this.file} failed: ${reason(e)}`, {
        collection: this.name,
        file: this.file,
      });
    }
    this.state = next;
  }
}
