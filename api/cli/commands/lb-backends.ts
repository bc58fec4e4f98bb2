/**
 * `lb backends` lists every backend's health (aligned table, durations in
 * maghemite's human form); `lb backend NAME` shows one with its transition
 * history; `lb backend NAME pause|resume|disable|enable` applies an operator
 * action (maglev-vpp.md §3.5, persisted by the daemon) and shows the result.
 * `--json` prints the API's body as is.
 */
import { BackendDetail, BackendList, type BackendRow } from "../../schemas/backends.js";
import { type Command, ExitCode, requestChecked, UsageError } from "../command.js";
import { formatDurationHuman } from "../format-duration.js";
import { type Column, renderJson, renderTable } from "../table.js";

const ACTIONS = new Set(["pause", "resume", "disable", "enable"]);

/** `4/4` : the counter and its ceiling (rise + fall − 1), up iff counter ≥ rise. */
const counterCell = (b: BackendRow): string => `${b.counter}/${b.rise + b.fall - 1}`;

const lastCell = (b: BackendRow): string =>
  b.last_result === null
    ? "-"
    : b.last_result.ok
      ? `ok ${b.last_result.latency_ms.toFixed(1)}ms`
      : `${b.last_result.code}: ${b.last_result.detail}`;

const listColumns: readonly Column<BackendRow>[] = [
  { header: "Name", cell: (b) => b.name },
  { header: "Address", cell: (b) => b.address },
  { header: "Check", cell: (b) => (b.healthcheck === null ? "-" : `${b.healthcheck} (${b.type ?? "?"})`) },
  { header: "State", cell: (b) => b.state },
  { header: "Duration", cell: (b) => formatDurationHuman(b.duration_ms) },
  { header: "Counter", cell: counterCell },
  { header: "Last", cell: lastCell },
];

type Transition = BackendDetail["history"][number];
const historyColumns: readonly Column<Transition>[] = [
  { header: "At", cell: (h) => h.at },
  { header: "From", cell: (h) => h.from },
  { header: "To", cell: (h) => h.to },
  { header: "Code", cell: (h) => h.code },
  { header: "Detail", cell: (h) => h.detail },
];

function renderDetail(b: BackendDetail): string {
  const fields: [string, string][] = [
    ["Name", b.name],
    ["Address", b.address],
    ["Check", b.healthcheck === null ? "- (static)" : `${b.healthcheck} (${b.type ?? "?"})`],
    ["State", b.state],
    ["Enabled", String(b.enabled)],
    ["Duration", `${formatDurationHuman(b.duration_ms)} (since ${b.since})`],
    ["Counter", `${counterCell(b)} (rise ${b.rise}, fall ${b.fall})`],
    ["Last result", lastCell(b)],
  ];
  const width = Math.max(...fields.map(([k]) => k.length)) + 2;
  const head = fields.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}\n`).join("");
  const history =
    b.history.length === 0 ? "History: none\n" : `History:\n${renderTable(historyColumns, b.history)}`;
  return `${head}\n${history}`;
}

/** `lb backends`. */
export const lbBackends: Command = {
  words: ["lb", "backends"],
  summary: "every backend: address, check, health state, time in state, counter, last probe",
  async run(ctx) {
    const r = await requestChecked(ctx, "GET", "/lb/backends", BackendList);
    if (!r.ok) return r.code;
    const rows = r.body;
    ctx.io.out(ctx.global.json ? renderJson(rows) : renderTable(listColumns, rows));
    return ExitCode.OK;
  },
};

/** `lb backend NAME [pause|resume|disable|enable]`. */
export const lbBackend: Command = {
  words: ["lb", "backend"],
  synopsis: "NAME [pause|resume|disable|enable]",
  summary: "one backend with its transition history, or apply an operator action to it",
  positionals: { min: 1, max: 2 },
  async run(ctx) {
    const name = ctx.args[0] ?? "";
    const action = ctx.args[1];
    if (action !== undefined && !ACTIONS.has(action)) {
      throw new UsageError(`unknown action "${action}" (expected pause, resume, disable or enable)`);
    }
    const path = `/lb/backends/${encodeURIComponent(name)}${action === undefined ? "" : `/${action}`}`;
    const r = await requestChecked(ctx, action === undefined ? "GET" : "POST", path, BackendDetail);
    if (!r.ok) return r.code;
    const b = r.body;
    ctx.io.out(ctx.global.json ? renderJson(b) : renderDetail(b));
    return ExitCode.OK;
  },
};
