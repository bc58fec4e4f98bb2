import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ChainIndex } from "../../../protocols/common/chain-index.js";

interface V {
  readonly name: string;
  next: V | undefined;
}
const v = (name: string): V => ({ name, next: undefined });
const names = (idx: ChainIndex<V>): string[] =>
  idx
    .all()
    .map((x) => x.name)
    .sort();
const chain = (idx: ChainIndex<V>, key: string): string[] => {
  const out: string[] = [];
  for (let x = idx.head(key); x !== undefined; x = x.next) out.push(x.name);
  return out;
};

describe("ChainIndex", () => {
  it("keeps values sharing a key in one chain, newest first, apart from other keys", () => {
    const idx = new ChainIndex<V>();
    idx.push("a", v("a1"));
    idx.push("a", v("a2"));
    idx.push("b", v("b1"));
    assert.deepEqual(chain(idx, "a"), ["a2", "a1"]);
    assert.deepEqual(chain(idx, "b"), ["b1"]);
    assert.equal(idx.head("c"), undefined);
    assert.deepEqual(names(idx), ["a1", "a2", "b1"]);
  });

  it("removes the head, a middle and the tail, and forgets an emptied key", () => {
    const idx = new ChainIndex<V>();
    const [x1, x2, x3, x4] = [v("x1"), v("x2"), v("x3"), v("x4")];
    for (const x of [x1, x2, x3, x4]) idx.push("k", x);
    idx.remove("k", x3); // middle
    assert.deepEqual(chain(idx, "k"), ["x4", "x2", "x1"]);
    idx.remove("k", x4); // head
    assert.deepEqual(chain(idx, "k"), ["x2", "x1"]);
    idx.remove("k", x1); // tail
    assert.deepEqual(chain(idx, "k"), ["x2"]);
    assert.equal(x3.next, undefined, "a removed value is unlinked");
    idx.remove("k", x2);
    assert.equal(idx.head("k"), undefined);
    assert.deepEqual(idx.all(), []);
  });

  it("ignores removing a value that is not in the chain, and clears", () => {
    const idx = new ChainIndex<V>();
    const a = v("a");
    idx.push("k", a);
    idx.remove("k", v("stranger"));
    idx.remove("other", a);
    assert.deepEqual(chain(idx, "k"), ["a"]);
    idx.clear();
    assert.deepEqual(idx.all(), []);
  });
});
