/**
 * LB commands (maglev-vpp §8.1 maglevc's frontend/VPP views):
 *
 * - `lb frontends`                  every frontend: VIP, state, time in state, active pool;
 * - `lb frontend NAME`              one frontend with its pools and effective weights;
 * - `lb frontend NAME weight POOL BACKEND W [flush]`
 *                                   operator weight override (persisted), optional flush;
 * - `lb vips`                       the dataplane's own table (VIPs, ASes, weights);
 * - `lb sync`                       a full sync now;
 * - `lb watch [--count N]`          backend and frontend transitions as they happen
 *                                   (current states first), from `GET /events`.
 *
 * `--json` prints the API's bodies (for `watch`: one JSON object per line).
 */
import { Value } from "@sinclair/typebox/value";
import { LbEvent, LbFrontend, LbFrontendList, LbSyncReport, LbVips } from "../../schemas/lb.js";
import { type Command, ExitCode, requestChecked, UsageError } from "../command.js";
import { formatDurationHuman } from "../format-duration.js";
import { type Column, renderJson, renderTable } from "../table.js";

const PROTOCOLS: Readonly<Record<number, string>> = { 6: "tcp", 17: "udp", 255: "any" };
const vip = (f: { address: string; protocol: number; port: number }): string =>
  `${f.address.includes(":") ? `[${f.address}]` : f.address}:${f.port} ${PROTOCOLS[f.protocol] ?? f.protocol}`;

const frontendColumns: readonly Column<LbFrontend>[] = [
  { header: "Name", cell: (f) => f.name },
  { header: "VIP", cell: vip },
  { header: "State", cell: (f) => f.state },
  { header: "Duration", cell: (f) => formatDurationHuman(f.duration_ms) },
  { header: "Active pool", cell: (f) => f.active_pool ?? "-" },
  {
    header: "Serving",
    cell: (f) => {
      const all = f.pools.flatMap((p) => p.backends);
      return `${all.filter((b) => b.effective_weight > 0).length}/${all.length}`;
    },
  },
];

type Member = LbFrontend["pools"][number]["backends"][number] & { pool: string };
const memberColumns: readonly Column<Member>[] = [
  { header: "Pool", cell: (m) => m.pool },
  { header: "Backend", cell: (m) => m.name },
  { header: "Address", cell: (m) => m.address },
  { header: "State", cell: (m) => m.state },
  {
    header: "Weight",
    cell: (m) => (m.overridden ? `${m.weight} (config ${m.configured_weight})` : `${m.weight}`),
  },
  { header: "Effective", cell: (m) => `${m.effective_weight}${m.flush ? " flush" : ""}` },
];

function renderFrontend(f: LbFrontend): string {
  const fields: [string, string][] = [
    ["Name", f.name],
    ["VIP", vip(f)],
    ["State", `${f.state} for ${formatDurationHuman(f.duration_ms)} (since ${f.since})`],
    ["Active pool", f.active_pool ?? "- (nothing serves)"],
    ["src-ip-sticky", String(f.src_ip_sticky)],
    ["flush-on-down", String(f.flush_on_down)],
  ];
  const width = Math.max(...fields.map(([k]) => k.length)) + 2;
  const head = fields.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}\n`).join("");
  const rows = f.pools.flatMap((p) => p.backends.map((b) => ({ ...b, pool: p.name })));
  return `${head}\n${renderTable(memberColumns, rows)}`;
}

type VipRow = LbVips["vips"][number];
type AsRow = VipRow["ases"][number] & { vip: VipRow };
const vipColumns: readonly Column<AsRow>[] = [
  {
    header: "VIP",
    cell: (a) => `${a.vip.prefix} ${PROTOCOLS[a.vip.protocol] ?? a.vip.protocol}:${a.vip.port}`,
  },
  { header: "Encap", cell: (a) => a.vip.encap },
  { header: "Sticky", cell: (a) => (a.vip.src_ip_sticky ? "src-ip" : "-") },
  { header: "Frontend", cell: (a) => a.vip.frontend ?? "(foreign)" },
  { header: "AS", cell: (a) => a.address },
  { header: "Weight", cell: (a) => `${a.weight}${a.flushed ? " flushed" : ""}` },
];

/** `lb frontends`. */
export const lbFrontends: Command = {
  words: ["lb", "frontends"],
  summary: "every frontend: VIP, state, time in state, active pool, serving backends",
  async run(ctx) {
    const r = await requestChecked(ctx, "GET", "/lb/frontends", LbFrontendList);
    if (!r.ok) return r.code;
    const rows = r.body;
    ctx.io.out(ctx.global.json ? renderJson(rows) : renderTable(frontendColumns, rows));
    return ExitCode.OK;
  },
};

/** `lb frontend NAME [weight POOL BACKEND W [flush]]`. */
export const lbFrontend: Command = {
  words: ["lb", "frontend"],
  synopsis: "NAME [weight POOL BACKEND WEIGHT [flush]]",
  summary: "one frontend with its pools and effective weights, or override a member's weight",
  positionals: { min: 1, max: 6 },
  async run(ctx) {
    const [name = "", verb, pool, backend, weightText, flushWord] = ctx.args;
    const base = `/lb/frontends/${encodeURIComponent(name)}`;
    let r: Awaited<ReturnType<typeof requestChecked<typeof LbFrontend>>>;
    if (verb === undefined) {
      r = await requestChecked(ctx, "GET", base, LbFrontend);
    } else {
      if (verb !== "weight" || pool === undefined || backend === undefined || weightText === undefined)
        throw new UsageError("usage: lb frontend NAME weight POOL BACKEND WEIGHT [flush]");
      const weight = Number(weightText);
      if (!/^\d+$/.test(weightText) || weight > 100)
        throw new UsageError(`weight must be 0..100, not "${weightText}"`);
      if (flushWord !== undefined && flushWord !== "flush")
        throw new UsageError(`expected "flush", not "${flushWord}"`);
      const path = `${base}/pools/${encodeURIComponent(pool)}/backends/${encodeURIComponent(backend)}/weight`;
      r = await requestChecked(ctx, "PUT", path, LbFrontend, {
        weight,
        flush: flushWord === "flush",
      });
    }
    if (!r.ok) return r.code;
    const f = r.body as LbFrontend;
    ctx.io.out(ctx.global.json ? renderJson(f) : renderFrontend(f));
    return ExitCode.OK;
  },
};

/** `lb vips`. */
export const lbVips: Command = {
  words: ["lb", "vips"],
  summary: "the dataplane's own table: VIPs and their application servers with weights",
  async run(ctx) {
    const r = await requestChecked(ctx, "GET", "/lb/vips", LbVips);
    if (!r.ok) return r.code;
    const v = r.body as LbVips;
    if (ctx.global.json) ctx.io.out(renderJson(v));
    else {
      ctx.io.out(
        `dataplane ${v.dataplane} (${v.connected ? "connected" : "DISCONNECTED"}), ${v.vips.length} VIPs\n`,
      );
      ctx.io.out(
        renderTable(
          vipColumns,
          v.vips.flatMap((x) => x.ases.map((a) => ({ ...a, vip: x }))),
        ),
      );
    }
    return ExitCode.OK;
  },
};

/** `lb sync`. */
export const lbSync: Command = {
  words: ["lb", "sync"],
  summary: "run a full sync now (held back during the startup warmup)",
  async run(ctx) {
    const r = await requestChecked(ctx, "POST", "/lb/sync", LbSyncReport);
    if (!r.ok) return r.code;
    const s = r.body as LbSyncReport;
    if (ctx.global.json) ctx.io.out(renderJson(s));
    else if (!s.ran) ctx.io.out(`sync held back: ${s.suppressed ?? "unknown reason"}\n`);
    else {
      const kinds = Object.entries(s.by_kind).map(([k, n]) => `${k} ${n}`);
      ctx.io.out(
        `sync: ${s.ops} ops${kinds.length > 0 ? ` (${kinds.join(", ")})` : ""} in ${s.duration_ms} ms\n`,
      );
      if (s.error !== null) ctx.io.err(`sync stopped: ${s.error.code}: ${s.error.message}\n`);
    }
    return s.error === null ? ExitCode.OK : ExitCode.FAILURE;
  },
};

/** Split SSE text into complete frames' `data:` payloads; returns the unparsed rest. */
export function parseSse(buffer: string): { data: string[]; rest: string } {
  const parts = buffer.split("\n\n");
  const rest = parts.pop() ?? "";
  const data = parts.flatMap((p) =>
    p
      .split("\n")
      .filter((l) => l.startsWith("data: "))
      .map((l) => l.slice(6)),
  );
  return { data, rest };
}

/** `lb watch [--count N]`. */
export const lbWatch: Command = {
  words: ["lb", "watch"],
  summary: "stream backend and frontend transitions (current states first) until interrupted",
  options: { count: { type: "string" } },
  async run(ctx) {
    const countText = ctx.values["count"];
    const max = typeof countText === "string" ? Number(countText) : Number.POSITIVE_INFINITY;
    if (!(max > 0) || (typeof countText === "string" && !/^\d+$/.test(countText)))
      throw new UsageError("--count must be a positive integer");
    const client = ctx.client();
    const url = new URL(
      "events",
      client.baseUrl.href.endsWith("/") ? client.baseUrl : `${client.baseUrl.href}/`,
    );
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once("SIGINT", stop);
    let seen = 0;
    try {
      const res = await fetch(url, { headers: { accept: "text/event-stream" }, signal: abort.signal });
      if (!res.ok || res.body === null) {
        ctx.io.err(`GET /events: HTTP ${res.status}\n`);
        return ExitCode.FAILURE;
      }
      const decoder = new TextDecoder();
      let buffer = "";
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        const { data, rest } = parseSse(buffer);
        buffer = rest;
        for (const d of data) {
          const e: unknown = JSON.parse(d);
          if (!Value.Check(LbEvent, e)) continue;
          if (ctx.global.json) ctx.io.out(`${JSON.stringify(e)}\n`);
          else
            ctx.io.out(
              `${e.at}  ${e.type.padEnd(8)} ${e.name}  ${e.from === e.to ? e.to : `${e.from} -> ${e.to}`}\n`,
            );
          if (++seen >= max) {
            abort.abort();
            return ExitCode.OK;
          }
        }
      }
      ctx.io.err("the daemon closed the event stream\n");
      return ExitCode.FAILURE;
    } catch (e: unknown) {
      if (abort.signal.aborted) return ExitCode.OK;
      ctx.io.err(`cannot stream ${url.origin}/events (${e instanceof Error ? e.message : String(e)})\n`);
      return ExitCode.UNREACHABLE;
    } finally {
      process.off("SIGINT", stop);
    }
  },
};

/** Every LB command, for the command table. */
export const lbCommands: readonly Command[] = [lbFrontends, lbFrontend, lbVips, lbSync, lbWatch];
