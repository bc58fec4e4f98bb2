/**
 * The daemon's Node flags (api/cli/node-flags.ts) are what every way of
 * starting it passes: the systemd unit, the SMF method script and
 * `npm start`. The test and benchmark labs import the list itself.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { DAEMON_NODE_FLAGS } from "../../../api/cli/node-flags.js";
import { repoPath } from "../../support/repo.js";

/** The Node flags on the line of `text` that starts the daemon: the words between the node binary and the entry script. */
function flagsBefore(line: string, entry: RegExp): string[] {
  const words = line.trim().split(/\s+/);
  const at = words.findIndex((w) => entry.test(w));
  assert.ok(at > 0, `no entry script in: ${line}`);
  return words.slice(1, at).filter((w) => w.startsWith("--"));
}

function daemonLine(text: string, marker: RegExp): string {
  const line = text.split("\n").find((l) => marker.test(l));
  assert.ok(line !== undefined, `no line matching ${marker}`);
  return line.replace(/^ExecStart=/, "");
}

describe("daemon node flags", () => {
  it("are a non-empty list of V8 heap flags", () => {
    assert.ok(DAEMON_NODE_FLAGS.length > 0);
    for (const f of DAEMON_NODE_FLAGS) assert.match(f, /^--[a-z-]+=\d+$/);
  });

  it("are passed by the systemd unit, the SMF method and npm start, and nothing else is", () => {
    const unit = readFileSync(repoPath("deploy/systemd/magnetite.service"), "utf8");
    const smf = readFileSync(repoPath("deploy/smf/magnetite-method.sh"), "utf8");
    const pkg = JSON.parse(readFileSync(repoPath("package.json"), "utf8")) as { scripts: { start: string } };
    const entry = /magnetite\.js"?$/;
    assert.deepEqual(flagsBefore(daemonLine(unit, /^ExecStart=.* daemon /), entry), [...DAEMON_NODE_FLAGS]);
    assert.deepEqual(flagsBefore(daemonLine(smf, /exec "\$NODE" .* daemon/).replace(/^exec /, ""), entry), [
      ...DAEMON_NODE_FLAGS,
    ]);
    assert.deepEqual(flagsBefore(pkg.scripts.start, entry), [...DAEMON_NODE_FLAGS]);
  });
});
