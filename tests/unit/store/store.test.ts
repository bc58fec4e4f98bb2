import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type CollectionSpec, Store, StoreError } from "../../../dataplane/store/index.js";
import { err, ok } from "../../../protocols/common/result.js";
import { bfdPeersSpec } from "../../fixtures/store/bfd-peers-spec.js";

interface Weight {
  readonly weight: number;
}

const weights: CollectionSpec<Weight> = {
  name: "lb-weights",
  schemaVersion: 1,
  migrations: [() => err("no v0 lb-weights files ever existed")],
  decode: (v) =>
    typeof v === "object" && v !== null && typeof (v as { weight?: unknown }).weight === "number"
      ? ok(v as Weight)
      : err("weight must be a number"),
};

const FIXED = new Date("2026-01-02T03:04:05.000Z");
let root: string;
let dirs = 0;

async function freshDir(): Promise<string> {
  dirs += 1;
  const d = join(root, `s${dirs}`);
  await mkdir(d);
  return d;
}

async function openWeights(dir: string) {
  const r = await new Store({ dir, wallClock: () => FIXED }).openCollection(weights);
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

async function openError(dir: string, spec: CollectionSpec<unknown> = weights as CollectionSpec<unknown>) {
  const r = await new Store({ dir }).openCollection(spec);
  assert.ok(!r.ok, "expected the collection to fail to open");
  assert.ok(r.error instanceof StoreError);
  return r.error;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), "mgn-store-"));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("store: records", () => {
  it("a missing file is an empty collection and nothing is written until the first change", async () => {
    const dir = await freshDir();
    const c = await openWeights(dir);
    assert.equal(c.generation, 0);
    assert.deepEqual(c.list(), []);
    assert.deepEqual(await readdir(dir), []);
  });

  it("put, get, list and delete, with per-record versions, survive a reopen", async () => {
    const dir = await freshDir();
    const c = await openWeights(dir);
    const first = await c.put("web/b1", { weight: 10 });
    assert.deepEqual(first, {
      key: "web/b1",
      version: 1,
      updatedAt: FIXED.toISOString(),
      value: { weight: 10 },
    });
    assert.equal((await c.put("web/b1", { weight: 20 })).version, 2);
    await c.put("web/a0", { weight: 5 });
    assert.deepEqual(
      c.list().map((r) => r.key),
      ["web/a0", "web/b1"],
    );
    assert.equal(await c.delete("web/a0"), true);
    assert.equal(await c.delete("web/a0"), false);
    assert.equal(c.generation, 4);
    const again = await openWeights(dir);
    assert.deepEqual(again.list(), [
      { key: "web/b1", version: 2, updatedAt: FIXED.toISOString(), value: { weight: 20 } },
    ]);
    assert.equal(again.generation, 4);
    const file = JSON.parse(await readFile(join(dir, "lb-weights.json"), "utf8"));
    assert.equal(file.schemaVersion, 1);
    assert.equal(file.collection, "lb-weights");
  });

  it("writes issued without awaiting are serialised in call order", async () => {
    const dir = await freshDir();
    const c = await openWeights(dir);
    await Promise.all(Array.from({ length: 40 }, (_, i) => c.put("k", { weight: i })));
    assert.equal(c.get("k")?.version, 40);
    assert.equal(c.get("k")?.value.weight, 39);
    assert.equal(c.generation, 40);
    assert.equal((await openWeights(dir)).get("k")?.value.weight, 39);
  });

  it("expectVersion guards against lost updates, and a failed batch changes nothing", async () => {
    const dir = await freshDir();
    const c = await openWeights(dir);
    await c.put("a", { weight: 1 }, { expectVersion: 0 });
    await assert.rejects(c.put("a", { weight: 2 }, { expectVersion: 0 }), { code: "STORE_E_CONFLICT" });
    await assert.rejects(
      c.apply([
        { kind: "put", key: "b", value: { weight: 1 } },
        { kind: "delete", key: "a", expectVersion: 7 },
      ]),
      { code: "STORE_E_CONFLICT" },
    );
    assert.equal(c.get("b"), undefined);
    assert.equal(c.generation, 1);
    await c.apply([
      { kind: "put", key: "b", value: { weight: 1 } },
      { kind: "delete", key: "a", expectVersion: 1 },
    ]);
    assert.deepEqual(
      (await openWeights(dir)).list().map((r) => r.key),
      ["b"],
    );
  });

  it("a failed write rejects with STORE_E_WRITE, keeps the last good file and memory, and later writes work", async () => {
    const dir = await freshDir();
    const c = await openWeights(dir);
    await c.put("a", { weight: 1 });
    const good = await readFile(join(dir, "lb-weights.json"), "utf8");
    // JSON cannot encode a BigInt: the write fails before any byte hits the disk.
    await assert.rejects(c.put("a", { weight: 10n as unknown as number }), { code: "STORE_E_WRITE" });
    assert.equal(await readFile(join(dir, "lb-weights.json"), "utf8"), good);
    assert.equal(c.get("a")?.value.weight, 1);
    // An I/O failure: the state directory disappears under us.
    await rm(dir, { recursive: true });
    await assert.rejects(c.put("a", { weight: 3 }), { code: "STORE_E_WRITE" });
    assert.equal(c.get("a")?.version, 1);
    await mkdir(dir);
    await c.put("a", { weight: 4 });
    assert.equal((await openWeights(dir)).get("a")?.version, 2);
  });

  it("temp files left by a crash are removed on open and never read", async () => {
    const dir = await freshDir();
    await writeFile(join(dir, "lb-weights.json.tmp-123-4"), "{ half a fi");
    await writeFile(join(dir, "other.json.tmp-1-1"), "not ours");
    const c = await openWeights(dir);
    assert.equal(c.generation, 0);
    assert.deepEqual((await readdir(dir)).sort(), ["other.json.tmp-1-1"]);
  });

  it("the same collection opened twice in one store is one instance", async () => {
    const dir = await freshDir();
    const s = new Store({ dir });
    const a = await s.openCollection(weights);
    const b = await s.openCollection(weights);
    assert.ok(a.ok && b.ok && a.value === b.value);
    await assert.rejects(s.openCollection({ ...weights }), /two specs/);
  });
});

describe("store: bad files are typed errors and stay untouched", () => {
  const cases: [string, string, string][] = [
    ["garbage", "\u0000\u0001 not json", "STORE_E_CORRUPT"],
    [
      "truncated JSON",
      '{"schemaVersion":1,"collection":"lb-weights","generation":3,"records":{"a":{"ver',
      "STORE_E_CORRUPT",
    ],
    ["a list at top level", "[]", "STORE_E_CORRUPT"],
    [
      "another collection's file",
      '{"schemaVersion":1,"collection":"bfd-peers","generation":0,"records":{}}',
      "STORE_E_CORRUPT",
    ],
    [
      "a record failing its decoder",
      '{"schemaVersion":1,"collection":"lb-weights","generation":1,"records":{"a":{"version":1,"updatedAt":"x","value":{"weight":"heavy"}}}}',
      "STORE_E_CORRUPT",
    ],
    [
      "a record with version 0",
      '{"schemaVersion":1,"collection":"lb-weights","generation":1,"records":{"a":{"version":0,"updatedAt":"x","value":{"weight":1}}}}',
      "STORE_E_CORRUPT",
    ],
    [
      "an unknown envelope key",
      '{"schemaVersion":1,"collection":"lb-weights","generation":0,"records":{},"x":1}',
      "STORE_E_CORRUPT",
    ],
    [
      "a negative generation",
      '{"schemaVersion":1,"collection":"lb-weights","generation":-1,"records":{}}',
      "STORE_E_CORRUPT",
    ],
    [
      "a file from a newer build",
      '{"schemaVersion":9,"collection":"lb-weights","generation":0,"records":{}}',
      "STORE_E_VERSION",
    ],
    ["a v0 file whose migration refuses it", '{"weights":[]}', "STORE_E_MIGRATE"],
  ];
  for (const [what, text, code] of cases) {
    it(`${what} → ${code}`, async () => {
      const dir = await freshDir();
      const file = join(dir, "lb-weights.json");
      await writeFile(file, text);
      const e = await openError(dir);
      assert.equal(e.code, code);
      assert.match(e.message, /lb-weights\.json/);
      assert.equal(await readFile(file, "utf8"), text);
    });
  }

  it("an unreadable file (a directory in its place) is STORE_E_READ", async () => {
    const dir = await freshDir();
    await mkdir(join(dir, "lb-weights.json"));
    assert.equal((await openError(dir)).code, "STORE_E_READ");
  });
});

describe("store: migrations", () => {
  it("the v0 fixture migrates through v1 to v2, keeps a backup, and is written back once", async () => {
    const dir = await freshDir();
    const original = await readFile(
      new URL("../../fixtures/store/bfd-peers.v0.json", import.meta.url),
      "utf8",
    );
    await writeFile(join(dir, "bfd-peers.json"), original);
    const r = await new Store({ dir }).openCollection(bfdPeersSpec);
    if (!r.ok) assert.fail(r.error.message);
    assert.deepEqual(
      r.value.list().map((rec) => [rec.key, rec.version, rec.value]),
      [
        [
          "198.51.100.9",
          1,
          {
            peer: "198.51.100.9",
            listen: "0.0.0.0",
            requiredRxMicros: 1_000_000,
            detectMult: 3,
            mode: "single-hop",
          },
        ],
        [
          "fd00:101::1",
          1,
          { peer: "fd00:101::1", listen: "::", requiredRxMicros: 300_000, detectMult: 5, mode: "multi-hop" },
        ],
      ],
    );
    assert.equal(await readFile(join(dir, "bfd-peers.json.v0.bak"), "utf8"), original);
    const migrated = JSON.parse(await readFile(join(dir, "bfd-peers.json"), "utf8"));
    assert.equal(migrated.schemaVersion, 2);
    // A second open reads v2 directly: the backup is not rewritten and the data is the same.
    await rm(join(dir, "bfd-peers.json.v0.bak"));
    const again = await new Store({ dir }).openCollection(bfdPeersSpec);
    assert.ok(again.ok);
    assert.equal(again.value.list().length, 2);
    assert.deepEqual((await readdir(dir)).sort(), ["bfd-peers.json"]);
  });

  it("a v1 file runs only the v1→v2 step", async () => {
    const dir = await freshDir();
    const v1 = {
      schemaVersion: 1,
      collection: "bfd-peers",
      generation: 7,
      records: {
        "10.0.0.1": {
          version: 4,
          updatedAt: "2025-01-01T00:00:00.000Z",
          value: {
            peer: "10.0.0.1",
            listen: "0.0.0.0",
            required_rx: 50_000,
            detection_threshold: 3,
            mode: "SingleHop",
          },
        },
      },
    };
    await writeFile(join(dir, "bfd-peers.json"), JSON.stringify(v1));
    const r = await new Store({ dir }).openCollection(bfdPeersSpec);
    if (!r.ok) assert.fail(r.error.message);
    assert.equal(r.value.generation, 7);
    assert.equal(r.value.get("10.0.0.1")?.version, 4);
    assert.equal(r.value.get("10.0.0.1")?.value.requiredRxMicros, 50_000);
  });

  it("a migration that throws is reported, not propagated", async () => {
    const dir = await freshDir();
    await writeFile(join(dir, "lb-weights.json"), "{}");
    const throwing: CollectionSpec<Weight> = {
      ...weights,
      migrations: [
        () => {
          throw new Error("boom");
        },
      ],
    };
    const e = await openError(dir, throwing as CollectionSpec<unknown>);
    assert.equal(e.code, "STORE_E_MIGRATE");
    assert.match(e.message, /v0→v1: boom/);
  });
});
