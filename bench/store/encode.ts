/**
 * CPU of `encodeCollection` on a DDM-shaped state: N records keyed by prefix
 * text, each `{ version: 1, updatedAt: <one ISO string>, value: { prefix } }`
 * (what one `PUT /prefix` of N prefixes commits). Every run is a fresh
 * process, because the figure that matters is the first call in a daemon
 * whose V8 has not optimised this code yet:
 *   flock /tmp/magnetite-bench.lock node --import tsx bench/store/encode.ts [RUNS] [N]
 * Prints, per run and as the median over runs, CPU ms (user + system) of
 * - `cold`: the first call;
 * - `next`: the call right after, on the next commit's state (N + 10 records, the
 *   N unchanged ones shared by reference, as `Collection.commit` does);
 * - `warm`: the median of 20 calls after 30 warm-up calls.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { cpus } from "node:os";
import {
  type CollectionSpec,
  type CollectionState,
  encodeCollection,
  type StoredRecord,
} from "../../dataplane/store/format.js";

interface Figures {
  readonly cold: number;
  readonly next: number;
  readonly warm: number;
  readonly bytes: number;
}

const spec: CollectionSpec<{ prefix: string }> = {
  name: "ddm-originated",
  schemaVersion: 1,
  migrations: [(doc) => ({ ok: true, value: doc })],
  decode: (v) => ({ ok: true, value: v as { prefix: string } }),
};

function cpuMs(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

function child(n: number): Figures {
  const updatedAt = new Date().toISOString();
  const records = new Map<string, StoredRecord<{ prefix: string }>>();
  for (let i = 0; i < n; i += 1) {
    const key = `fd00:1:${i.toString(16)}::/64`;
    records.set(key, { key, version: 1, updatedAt, value: { prefix: key } });
  }
  const state: CollectionState<{ prefix: string }> = { generation: 1, records };
  const later = new Date(Date.now() + 1000).toISOString();
  const nextRecords = new Map(records);
  for (let i = 0; i < 10; i += 1) {
    const key = `fd00:2:${i.toString(16)}::/64`;
    nextRecords.set(key, { key, version: 1, updatedAt: later, value: { prefix: key } });
  }
  const nextState: CollectionState<{ prefix: string }> = { generation: 2, records: nextRecords };
  let bytes = 0;
  const cold = cpuMs(() => {
    bytes = encodeCollection(spec, state).length;
  });
  const next = cpuMs(() => {
    encodeCollection(spec, nextState);
  });
  for (let i = 0; i < 30; i += 1) encodeCollection(spec, i % 2 === 0 ? state : nextState);
  const warm: number[] = [];
  for (let i = 0; i < 20; i += 1)
    warm.push(
      cpuMs(() => {
        encodeCollection(spec, state);
      }),
    );
  return { cold, next, warm: median(warm), bytes };
}

function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
}

async function spawnOne(n: number): Promise<Figures> {
  const proc = spawn(process.execPath, [...process.execArgv, process.argv[1] ?? "", "--child", String(n)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  proc.stdout.setEncoding("utf8").on("data", (c: string) => {
    out += c;
  });
  const [code] = (await once(proc, "exit")) as [number | null];
  if (code !== 0) throw new Error(`child exited ${code}`);
  return JSON.parse(out) as Figures;
}

const fmt = (ms: number): string => ms.toFixed(1).padStart(7);

if (process.argv[2] === "--child") {
  process.stdout.write(JSON.stringify(child(Number(process.argv[3] ?? "10000"))));
} else {
  const runs = Number(process.argv[2] ?? "7");
  const n = Number(process.argv[3] ?? "10000");
  const all: Figures[] = [];
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? "?"}, node ${process.version}`);
  log(`encodeCollection, ${n} records, CPU ms, one fresh process per run`);
  log("run     cold    next    warm   bytes");
  for (let i = 0; i < runs; i += 1) {
    const f = await spawnOne(n);
    all.push(f);
    log(`${String(i + 1).padStart(3)} ${fmt(f.cold)} ${fmt(f.next)} ${fmt(f.warm)} ${f.bytes}`);
  }
  log(
    `med ${fmt(median(all.map((f) => f.cold)))} ${fmt(median(all.map((f) => f.next)))} ${fmt(median(all.map((f) => f.warm)))}`,
  );
}
