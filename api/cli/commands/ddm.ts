/**
 * `ddm …`: the DDM admin commands, in the style of maghemite's `ddmadm`
 * (spec ddm-bfd-maghemite.md §1.5): `peers` (Interface, Host, Address, Kind,
 * Status, Duration), `prefixes` (Destination, Next Hop, Path with the nearest
 * hop first), `originated`, `advertise|withdraw PREFIX…`, `expire-peer ADDR`,
 * `sync`, and our `interfaces`. Rows of `peers` are sorted by interface index
 * numerically (ddmadm sorts the JSON keys as text, so "10" before "9").
 */
import { InterfaceList, type InterfaceRow, PeersV2, PrefixList, Prefixes } from "../../schemas/ddm.js";
import type { Command, CommandContext } from "../command.js";
import { ExitCode, requestChecked } from "../command.js";
import { formatDurationHuman, millisFromSecsNanos } from "../format-duration.js";
import { renderJson, renderTable } from "../table.js";

const kindName = (k: number): string => (k === 0 ? "Server" : "Transit");

async function send(
  ctx: CommandContext,
  method: "PUT" | "DELETE",
  path: string,
  body?: unknown,
): Promise<number> {
  const r = await ctx.client().request(method, path, body === undefined ? {} : { body });
  if (!r.ok) {
    ctx.io.err(`${r.error.message}\n`);
    return r.error.exitCode;
  }
  return ExitCode.OK;
}

const peers: Command = {
  words: ["ddm", "peers"],
  summary: "DDM peers: interface index, host, address, kind, FSM state and time in it",
  async run(ctx) {
    const r = await requestChecked(ctx, "GET", "/peers", PeersV2);
    if (!r.ok) return r.code;
    const rows = Object.entries(r.body).sort(([a], [b]) => Number(a) - Number(b));
    if (ctx.global.json) ctx.io.out(renderJson(r.body));
    else
      ctx.io.out(
        renderTable(
          [
            { header: "Interface", cell: ([k]) => k },
            { header: "Host", cell: ([, p]) => p.host },
            { header: "Address", cell: ([, p]) => p.addr },
            { header: "Kind", cell: ([, p]) => kindName(p.kind) },
            { header: "Status", cell: ([, p]) => p.status.type },
            {
              header: "Duration",
              cell: ([, p]) => formatDurationHuman(millisFromSecsNanos(p.status.duration)),
            },
          ],
          rows,
        ),
      );
    return ExitCode.OK;
  },
};

const prefixes: Command = {
  words: ["ddm", "prefixes"],
  summary: "DDM imported prefixes: destination, nexthop, path (nearest hop first)",
  async run(ctx) {
    const r = await requestChecked(ctx, "GET", "/prefixes", Prefixes);
    if (!r.ok) return r.code;
    const rows = Object.entries(r.body).flatMap(([nh, pvs]) => pvs.map((pv) => ({ nh, pv })));
    if (ctx.global.json) ctx.io.out(renderJson(r.body));
    else
      ctx.io.out(
        renderTable(
          [
            { header: "Destination", cell: (x) => x.pv.destination },
            { header: "Next Hop", cell: (x) => x.nh },
            { header: "Path", cell: (x) => [...x.pv.path].reverse().join(" ") },
          ],
          rows,
        ),
      );
    return ExitCode.OK;
  },
};

const originated: Command = {
  words: ["ddm", "originated"],
  summary: "prefixes this DDM router originates",
  async run(ctx) {
    const r = await requestChecked(ctx, "GET", "/originated", PrefixList);
    if (!r.ok) return r.code;
    ctx.io.out(
      ctx.global.json
        ? renderJson(r.body)
        : renderTable([{ header: "Prefix", cell: (p: string) => p }], r.body),
    );
    return ExitCode.OK;
  },
};

const interfaces: Command = {
  words: ["ddm", "interfaces"],
  summary: "every DDM interface: state, duration, peer, imported prefixes",
  async run(ctx) {
    const r = await requestChecked(ctx, "GET", "/ddm/interfaces", InterfaceList);
    if (!r.ok) return r.code;
    if (ctx.global.json) ctx.io.out(renderJson(r.body));
    else
      ctx.io.out(
        renderTable<InterfaceRow>(
          [
            { header: "Interface", cell: (i) => i.name },
            { header: "Index", cell: (i) => String(i.index) },
            { header: "Address", cell: (i) => i.addr ?? "-" },
            { header: "State", cell: (i) => i.state },
            { header: "Duration", cell: (i) => formatDurationHuman(millisFromSecsNanos(i.duration)) },
            { header: "Peer", cell: (i) => (i.peer === null ? "-" : `${i.peer.host} ${i.peer.addr}`) },
            { header: "Imported", cell: (i) => String(i.imported_prefixes) },
          ],
          r.body,
        ),
      );
    return ExitCode.OK;
  },
};

const many = { min: 1, max: 1_000_000 } as const;

/** The `ddm` commands. */
export const ddmCommands: readonly Command[] = [
  peers,
  prefixes,
  originated,
  interfaces,
  {
    words: ["ddm", "advertise"],
    synopsis: "PREFIX…",
    summary: "originate IPv6 prefixes (persisted)",
    positionals: many,
    run: (ctx) => send(ctx, "PUT", "/prefix", [...ctx.args]),
  },
  {
    words: ["ddm", "withdraw"],
    synopsis: "PREFIX…",
    summary: "stop originating IPv6 prefixes",
    positionals: many,
    run: (ctx) => send(ctx, "DELETE", "/prefix", [...ctx.args]),
  },
  {
    words: ["ddm", "expire-peer"],
    synopsis: "ADDR",
    summary: "expire the DDM peer with this link-local address",
    positionals: { min: 1, max: 1 },
    run: (ctx) => send(ctx, "DELETE", `/peers/${encodeURIComponent(ctx.args[0] ?? "")}`),
  },
  {
    words: ["ddm", "sync"],
    summary: "every DDM interface pulls from its peer and reconciles",
    run: (ctx) => send(ctx, "PUT", "/sync"),
  },
];
