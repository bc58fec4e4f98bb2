/** `actors`: the supervision tree as an indented table (depth-first, as the API returns it). */
import { Value } from "@sinclair/typebox/value";
import { ActorList, type ActorRow } from "../../schemas/system.js";
import { type Command, ExitCode } from "../command.js";
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
  async run({ io, global, client }) {
    const r = await client().request("GET", "/actors");
    if (!r.ok) {
      io.err(`${r.error.message}\n`);
      return r.error.exitCode;
    }
    if (!Value.Check(ActorList, r.value.body)) {
      io.err("GET /actors: unexpected response shape\n");
      return ExitCode.FAILURE;
    }
    io.out(global.json ? renderJson(r.value.body) : renderTable(columns, r.value.body));
    return ExitCode.OK;
  },
};
