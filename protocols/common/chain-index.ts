/**
 * Values by a string key, where a few values may share a key: each key holds
 * the head of a chain linked through the values' own `next` field. Used where
 * tens of thousands of values are looked up by text the caller already holds
 * (an address), and the few that share it differ in a field compared while
 * walking the chain (a prefix length, a table): no composite key string is
 * built and hashed per lookup (bench/ddm: the DDM RIB's destinations and the
 * kernel route sync's entries).
 *
 * Callers walk `head(key)` along `next` themselves, so a lookup allocates no
 * closure. A value is in at most one chain of one index.
 */
export interface Chained<T> {
  next: T | undefined;
}

export class ChainIndex<T extends Chained<T>> {
  private readonly heads = new Map<string, T>();

  /** The first value under `key` (follow `next` for the rest). */
  head(key: string): T | undefined {
    return this.heads.get(key);
  }

  /** Put `v` first under `key`; its `next` becomes the previous head. */
  push(key: string, v: T): void {
    v.next = this.heads.get(key);
    this.heads.set(key, v);
  }

  /** Take `v` out of `key`'s chain; a no-op if it is not there. */
  remove(key: string, v: T): void {
    const head = this.heads.get(key);
    if (head === v) {
      if (v.next === undefined) this.heads.delete(key);
      else this.heads.set(key, v.next);
      v.next = undefined;
      return;
    }
    for (let p = head; p !== undefined; p = p.next)
      if (p.next === v) {
        p.next = v.next;
        v.next = undefined;
        return;
      }
  }

  /** Every value, in no particular order. */
  all(): T[] {
    const out: T[] = [];
    for (const head of this.heads.values())
      for (let v: T | undefined = head; v !== undefined; v = v.next) out.push(v);
    return out;
  }

  clear(): void {
    this.heads.clear();
  }
}
