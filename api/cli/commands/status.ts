/**
 * `status`: liveness (`/healthz`) and readiness (`/readyz`) in one view.
 * Exit 0 when ready, 1 when the daemon answers but is not ready, 3 when it
 * does not answer — so scripts can wait on it.
 */
import { Value } from "@sinclair/typebox/value";
import { Alive, Readiness } from "../../schemas/system.js";
import { type Command, ExitCode } from "../command.js";
import { formatDurationHuman } from "../format-duration.js";
import { renderJson, renderTable } from "../table.js";

/** `status`. */
export const status: Command = {
  words: ["status"],
  summary: "daemon liveness and per-subsystem readiness",
  async run({ io, global, client }) {
    const api = client();
    const alive = await api.request("GET", "/healthz");
    if (!alive.ok) {
      io.err(`${alive.error.message}\n`);
      return alive.error.exitCode;
    }
    // 503 is a valid answer from /readyz: "not ready", with the same body.
    const ready = await api.request("GET", "/readyz", { accept: [503] });
    if (!ready.ok) {
      io.err(`${ready.error.message}\n`);
      return ready.error.exitCode;
    }
    const a = alive.value.body;
    const r = ready.value.body;
    if (!Value.Check(Alive, a) || !Value.Check(Readiness, r)) {
      io.err("status: unexpected response shape from /healthz or /readyz\n");
      return ExitCode.FAILURE;
    }
    if (global.json) io.out(renderJson({ alive: a, readiness: r }));
    else {
      io.out(
        `magnetite ${a.version} pid ${a.pid} up ${formatDurationHuman(a.uptime_ms)}: ${r.ready ? "ready" : "NOT READY"}\n`,
      );
      if (r.subsystems.length > 0) {
        io.out(
          renderTable(
            [
              { header: "Subsystem", cell: (s) => s.name },
              { header: "State", cell: (s) => s.state },
            ],
            r.subsystems,
          ),
        );
      }
    }
    return r.ready ? ExitCode.OK : ExitCode.FAILURE;
  },
};
