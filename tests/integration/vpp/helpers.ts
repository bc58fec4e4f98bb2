/** Shared set-up for VPP integration tests: a temp socket path, an emulator, bounded waits. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { VppClient, VppClientEvent } from "../../../dataplane/vpp/client.js";
import { type EmulatorOptions, VppEmulator } from "../../fixtures/vpp/emulator.js";

/** A fresh emulator on a private socket; `cleanup` stops it and removes the directory. */
export async function emulator(opts: Omit<EmulatorOptions, "socketPath"> = {}): Promise<{
  emu: VppEmulator;
  cleanup: () => Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), "magnetite-vpp-"));
  const emu = await VppEmulator.start({ ...opts, socketPath: join(dir, "api.sock") });
  return {
    emu,
    cleanup: async () => {
      await emu.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Wait (bounded) for the next client event of a kind. */
export function nextEvent<K extends VppClientEvent["kind"]>(
  client: VppClient,
  kind: K,
  timeoutMs = 2_000,
): Promise<Extract<VppClientEvent, { kind: K }>> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      off();
      reject(new Error(`no ${kind} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = client.on((e) => {
      if (e.kind !== kind) return;
      clearTimeout(t);
      off();
      resolve(e as Extract<VppClientEvent, { kind: K }>);
    });
  });
}
