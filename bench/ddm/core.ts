/**
 * CPU cost of DDM's per-route work at benchmark scale, without sockets: what
 * one router does with 10,000 prefixes from each of 3 servers (30,000
 * routes). Prints the median of several runs per step, so a change to the
 * codecs or the RIB can be judged before the namespace benchmark.
 *
 *   node dist/bench/ddm/core.js [N]      (N prefixes per server, default 10,000)
 */
import { cpus, loadavg } from "node:os";
import { fibChangeToOp } from "../../dataplane/kernel/routes.js";
import { encodeReplaceRoute } from "../../dataplane/kernel/rtnetlink.js";
import {
  DdmRib,
  type Ipv6Net,
  type Nexthop,
  parseIpv6Net,
  parsePullResponse,
  parseUpdate,
  type PathVector,
  serializePullResponse,
  serializeUpdate,
} from "../../protocols/ddm/index.js";
import { serverPrefixes } from "./converged.js";

const n = Number(process.argv[2] ?? 10_000);

function net(text: string): Ipv6Net {
  const r = parseIpv6Net(text);
  if (!r.ok) throw new Error(text);
  return r.value;
}

const vectors = (server: number, path: string[]): PathVector[] =>
  serverPrefixes(server, n).map((p) => ({ destination: net(p), path }));

function time(label: string, f: () => unknown, runs = 5): void {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  console.log(`${label.padEnd(60)} ${(ms[Math.floor(runs / 2)] ?? 0).toFixed(1).padStart(8)} ms`);
}

console.log(
  `machine: ${cpus().length}× ${cpus()[0]?.model ?? "?"}, node ${process.version}, load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}; N = ${n}`,
);
const t1: Nexthop = { addr: "fe80::1" as Nexthop["addr"], ifName: "e0" };
const t2: Nexthop = { addr: "fe80::2" as Nexthop["addr"], ifName: "e1" };
const push = { underlay: { announce: vectors(2, ["s2", "t1"]), withdraw: [] }, tunnel: null };
const pushText = serializeUpdate(push, 3);
const pull = { underlay: [1, 2, 3].flatMap((s) => vectors(s, [`s${s}`, "t1"])), tunnel: [] };
const pullText = serializePullResponse(pull, 3);
console.log(
  `push body ${(pushText.length / 1e6).toFixed(2)} MB, pull body ${(pullText.length / 1e6).toFixed(2)} MB`,
);

time(`serializeUpdate (${n} vectors)`, () => serializeUpdate(push, 3));
time(`parseUpdate (${n} vectors)`, () => parseUpdate(pushText, 3));
time(`serializePullResponse (${3 * n} vectors)`, () => serializePullResponse(pull, 3));
time(`parsePullResponse (${3 * n} vectors)`, () => parsePullResponse(pullText, 3));
time(`JSON.parse of the pull body (reference)`, () => JSON.parse(pullText));

time(`server RIB: sync ${3 * n} from t1, then ${3 * n} from t2`, () => {
  const rib = new DdmRib({ hostname: "s4", kind: "server" });
  rib.sync(t1, pull);
  rib.sync(t2, {
    underlay: pull.underlay.map((pv) => ({ ...pv, path: [pv.path[0] ?? "", "t2"] })),
    tunnel: [],
  });
});
const transit = new DdmRib({ hostname: "t1", kind: "transit" });
time(`transit RIB: ${3} pushes of ${n} (fresh RIB each run)`, () => {
  const rib = new DdmRib({ hostname: "t1", kind: "transit" });
  for (const s of [1, 2, 3])
    rib.applyUpdate(
      { addr: `fe80::${s}` as Nexthop["addr"], ifName: `s${s}` },
      { underlay: { announce: vectors(s, [`s${s}`]), withdraw: [] }, tunnel: null },
    );
});
for (const s of [1, 2, 3])
  transit.applyUpdate(
    { addr: `fe80::${s}` as Nexthop["addr"], ifName: `s${s}` },
    { underlay: { announce: vectors(s, [`s${s}`]), withdraw: [] }, tunnel: null },
  );
time(`transit pullResponseFor (${2 * n} of ${3 * n})`, () =>
  transit.pullResponseFor({ addr: "fe80::1" as Nexthop["addr"], ifName: "s1" }),
);
time(`transit expireNexthop + re-sync of ${n}`, () => {
  const from = { addr: "fe80::1" as Nexthop["addr"], ifName: "s1" };
  transit.expireNexthop(from);
  transit.sync(from, { underlay: vectors(1, ["s1"]), tunnel: [] });
});
const fib = transit.fib();
const ifIndex = (name: string) => Number(name.slice(1)) + 1;
time(`fibChangeToOp × ${fib.length}`, () => fib.map((c) => fibChangeToOp(c, ifIndex)));
const ops = fib.map((c) => fibChangeToOp(c, ifIndex));
time(`encodeReplaceRoute × ${ops.length}`, () => {
  let seq = 1;
  for (const o of ops) if (o.op === "replace") encodeReplaceRoute(o.route, seq++);
});
