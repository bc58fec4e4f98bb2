/** `actors`: the supervision tree as an indented table (depth-first, as the API returns it). */
import { ActorList, type ActorRow } from "../../schemas/system.js";
import { type Command, ExitCode, requestChecked } from "../command.js";
import { type Column, renderJson, renderTable } from "../table.js";

const columns: readonly Column<ActorRow>[] = [
  { header: "Path", cell: (a) => `${"  ".repeat(a.depth)}${a.path}` },
  { header: "Kind", cell: (a) => a.kind },
  { header: "Status", cell: (a) => a.status },
  { header: "Restarts", cell: (a) => String(a.restarts) },
  { header: "Mailbox", cell: (a) => String(a.mailbox_depth) },
];

/** `actors`. */
export const actors: Command = {
  words: ["actors"],
  summary: "the actor supervision tree: path, kind, status, restarts, mailbox depth",
  async run(ctx) {
    const r = await requestChecked(ctx, "GET", "/actors", ActorList);
    if (!r.ok) return r.code;
    ctx.io.out(ctx.global.json ? renderJson(r.body) : renderTable(columns, r.body));
    return ExitCode.OK;
  },
};
