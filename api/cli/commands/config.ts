/**
 * `config check FILE` validates a config file offline (no daemon needed) and
 * prints every issue as `file:line:col path: message`; `config reload` asks
 * the running daemon to re-read its file (the same path as SIGHUP).
 */
import { Value } from "@sinclair/typebox/value";
import { formatIssue } from "../../config/issue.js";
import { readConfigFile } from "../../config/loader.js";
import { ConfigStatus } from "../../schemas/system.js";
import { type Command, ExitCode } from "../command.js";
import { renderJson } from "../table.js";

/** `config check FILE`. */
export const configCheck: Command = {
  words: ["config", "check"],
  synopsis: "FILE",
  summary: "validate a config file; exit 0 if valid, 2 listing every issue",
  positionals: { min: 1, max: 1 },
  async run({ io, global, args }) {
    const file = args[0] ?? "";
    const r = await readConfigFile(file);
    if (global.json) {
      io.out(
        renderJson(
          r.ok
            ? { ok: true, file, issues: [] }
            : { ok: false, file, code: r.error.code, issues: r.error.issues },
        ),
      );
      return r.ok ? ExitCode.OK : ExitCode.USAGE;
    }
    if (r.ok) {
      io.out(`${file}: ok\n`);
      return ExitCode.OK;
    }
    for (const issue of r.error.issues) io.out(`${formatIssue(issue)}\n`);
    const n = r.error.issues.length;
    io.err(`${file}: ${n} issue${n === 1 ? "" : "s"} (${r.error.code})\n`);
    return ExitCode.USAGE;
  },
};

/** `config reload`. */
export const configReload: Command = {
  words: ["config", "reload"],
  summary: "make the daemon re-read its config file (like SIGHUP); the old config stays on error",
  async run({ io, global, client }) {
    const r = await client().request("POST", "/config/reload");
    if (!r.ok) {
      io.err(`${r.error.message}\n`);
      return r.error.exitCode;
    }
    if (!Value.Check(ConfigStatus, r.value.body)) {
      io.err("POST /config/reload: unexpected response shape\n");
      return ExitCode.FAILURE;
    }
    const s = r.value.body;
    // The route answers 200 with the status either way; the reload failed when
    // the newest recorded event is an error (loaded_at older than it, or never loaded).
    const failed = s.last_error !== null && (s.loaded_at === null || s.last_error.at >= s.loaded_at);
    if (global.json) io.out(renderJson(s));
    else if (failed && s.last_error !== null) {
      io.err(`reload failed (${s.last_error.code}): ${s.last_error.message}\n`);
      for (const line of s.last_error.issues) io.out(`${line}\n`);
    } else io.out(`reloaded ${s.file ?? "(no file)"} at ${s.loaded_at ?? "?"}\n`);
    return failed ? ExitCode.USAGE : ExitCode.OK;
  },
};
