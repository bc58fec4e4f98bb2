/**
 * `bfd peers` and `bfd peer ADDR`: BFD sessions as tables in maghemite's `mgadm bfd get-peers`
 * style (ddm-bfd-maghemite.md §2.5), with our extra columns, and one peer in full with its
 * transition history. Intervals print in ms, durations in maghemite's human format.
 */
import { BfdPeerDetail, type BfdPeerInfo, BfdPeerList } from "../../schemas/bfd.js";
import { type Command, ExitCode, requestChecked } from "../command.js";
import { formatDurationHuman } from "../format-duration.js";
import { type Column, renderJson, renderTable } from "../table.js";

function ms(us: number | null): string {
  if (us === null) return "-";
  const v = us / 1000;
  return `${Number.isInteger(v) ? v : v.toFixed(1)}ms`;
}

function stateCell(p: BfdPeerInfo): string {
  return p.state;
}

const peerColumns: readonly Column<BfdPeerInfo>[] = [
  { header: "Peer", cell: (p) => p.config.peer },
  { header: "Listen", cell: (p) => p.config.listen },
  { header: "Mode", cell: (p) => p.config.mode },
  { header: "State", cell: stateCell },
  { header: "Remote", cell: (p) => p.status.remote_state },
  { header: "TX", cell: (p) => ms(p.status.tx_interval_us) },
  { header: "Detect", cell: (p) => ms(p.status.detection_time_us) },
  { header: "Duration", cell: (p) => formatDurationHuman(p.status.state_duration_ms) },
  { header: "Flaps", cell: (p) => String(p.status.flaps) },
];

/** `bfd peers`. */
export const bfdPeers: Command = {
  words: ["bfd", "peers"],
  summary: "BFD sessions: peer, listen, mode, state, remote state, TX, detection time, duration, flaps",
  async run(ctx) {
    const r = await requestChecked(ctx, "GET", "/bfd/peers", BfdPeerList);
    if (!r.ok) return r.code;
    ctx.io.out(ctx.global.json ? renderJson(r.body) : renderTable(peerColumns, r.body));
    return ExitCode.OK;
  },
};

/** The key/value view of one peer. */
export function renderPeer(p: BfdPeerDetail): string {
  const c = p.counters;
  const drops = Object.entries(c.drops)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  const rows: [string, string][] = [
    ["Peer", p.config.peer],
    ["Listen", p.config.listen],
    ["Mode", p.config.mode],
    ["State", `${p.state} for ${formatDurationHuman(p.status.state_duration_ms)}`],
    ["Local diag", String(p.status.local_diag)],
    ["Remote", `${p.status.remote_state} (diag ${p.status.remote_diag})`],
    ["Discriminators", `local ${p.status.local_discriminator}, remote ${p.status.remote_discriminator}`],
    [
      "Configured",
      `required rx ${ms(p.config.required_rx)}, desired tx ${ms(p.options.desired_tx)}, detect mult ${p.config.detection_threshold}`,
    ],
    [
      "Remote timers",
      `desired tx ${ms(p.remote.desired_min_tx_us)}, required rx ${ms(p.remote.required_min_rx_us)}, detect mult ${p.remote.detect_mult}`,
    ],
    ["Negotiated", `tx ${ms(p.status.tx_interval_us)}, detection ${ms(p.status.detection_time_us)}`],
    ["Poll", p.poll_in_progress ? "in progress" : "idle"],
    [
      "Options",
      `passive ${p.options.passive}, admin down ${p.options.admin_down}, min ttl ${p.options.min_ttl}`,
    ],
    ["Auth", p.options.auth === null ? "none" : `${p.options.auth.type} key ${p.options.auth.key_id}`],
    ["Origin", p.options.origin],
    ["Source port", p.source_port === null ? "-" : String(p.source_port)],
    [
      "Packets",
      `sent ${c.control_packets_sent}, received ${c.control_packets_received}, send failures ${c.send_failures}`,
    ],
    ["Transitions", `${c.transitions} (flaps ${c.flaps}), polls completed ${c.polls_completed}`],
    ["Drops", drops === "" ? "none" : drops],
  ];
  const head = renderTable(
    [
      { header: "Field", cell: (r: [string, string]) => r[0] },
      { header: "Value", cell: (r: [string, string]) => r[1] },
    ],
    rows,
  )
    .split("\n")
    .slice(1)
    .join("\n");
  const history = renderTable(
    [
      { header: "At", cell: (h: BfdPeerDetail["history"][number]) => h.at },
      { header: "Ago", cell: (h) => formatDurationHuman(h.ago_ms) },
      { header: "From", cell: (h) => h.from },
      { header: "To", cell: (h) => h.to },
      { header: "Diag", cell: (h) => String(h.diag) },
      { header: "Reason", cell: (h) => h.reason },
    ],
    p.history,
  );
  return `${head}\nHistory:\n${history}`;
}

/** `bfd peer ADDR`. */
export const bfdPeer: Command = {
  words: ["bfd", "peer"],
  synopsis: "ADDR",
  summary: "one BFD session in full: timers, counters, drops by reason and the transition history",
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const addr = ctx.args[0] ?? "";
    const r = await requestChecked(ctx, "GET", `/bfd/peers/${encodeURIComponent(addr)}`, BfdPeerDetail);
    if (!r.ok) return r.code;
    ctx.io.out(ctx.global.json ? renderJson(r.body) : renderPeer(r.body));
    return ExitCode.OK;
  },
};

/** The BFD commands, for `commands/index.ts`. */
export const bfdCommands: readonly Command[] = [bfdPeers, bfdPeer];
