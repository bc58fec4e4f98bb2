/**
 * The composition root (DESIGN.md: config → runtime → adapters → actors →
 * server). `startDaemon` builds every component in dependency order, starts
 * them, and returns a handle for the signal handlers in `main.ts` and for
 * in-process tests. Nothing else in the tree calls `new` on an adapter.
 */
import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import type { Logger } from "pino";
import { createActorSystem, type ActorSystem } from "../../actors/runtime/system.js";
import type { ActorTreeNode } from "../../actors/runtime/types.js";
import { createRegistry, defineMetrics } from "../../actors/runtime/metrics-catalogue.js";
import { acquireStateLock, type StateLock, Store } from "../../dataplane/store/index.js";
import { type App, buildApp } from "../app.js";
import { diffConfig } from "../config/diff.js";
import type { ConfigError } from "../config/issue.js";
import { formatIssue } from "../config/issue.js";
import { defaultConfig, readConfigFile } from "../config/loader.js";
import type { ListenAddress } from "../config/primitives.js";
import type { Config } from "../config/schema.js";
import type { ActorRow, ConfigStatus } from "../schemas/system.js";
import { type Component, Lifecycle } from "./lifecycle.js";
import type { Subsystem } from "./subsystem.js";

/** The daemon's version, reported by `/healthz`. */
export const VERSION = "0.1.0";

/** Inputs of `startDaemon`; `main.ts` builds them from the command line. */
export interface DaemonOptions {
  /** The config file; `undefined` runs on defaults (an empty config). */
  readonly configFile?: string;
  readonly stateDir: string;
  /** Overrides the config's `api.listen`. */
  readonly api?: ListenAddress;
  readonly logger: Logger;
  /** Called when supervision gives up at the root; `main.ts` exits non-zero. */
  readonly onFatal: (reason: Error) => void;
  /** Subsystems built by the caller (tests inject; `main.ts` uses `defaultSubsystems`). */
  readonly subsystems?: (ctx: SubsystemContext) => Subsystem[];
}

/** What a subsystem factory receives. */
export interface SubsystemContext {
  readonly config: Config;
  readonly actors: ActorSystem;
  readonly store: Store;
  readonly logger: Logger;
}

/** A running daemon. */
export interface Daemon {
  readonly app: App;
  /** The bound API address (port resolved when 0 was asked). */
  readonly address: ListenAddress;
  readonly config: () => Config;
  /** Re-read the config file; on failure keep the old config and record why. */
  reload(): Promise<ConfigStatus>;
  /** Stop everything in reverse order within `deadlineMs`. */
  stop(deadlineMs: number): Promise<void>;
}

function flatten(
  nodes: readonly ActorTreeNode[],
  parent: string | null,
  depth: number,
  out: ActorRow[],
): ActorRow[] {
  for (const n of nodes) {
    out.push({
      path: n.path,
      parent,
      depth,
      kind: n.kind,
      status: n.status,
      restarts: n.restarts,
      mailbox_depth: n.mailboxDepth,
    });
    if (n.children !== undefined) flatten(n.children, n.path, depth + 1, out);
  }
  return out;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

/** Load the config the daemon starts on: the file, or defaults when none is given. */
export async function initialConfig(
  file: string | undefined,
): Promise<{ ok: true; config: Config } | { ok: false; error: ConfigError }> {
  if (file === undefined) return { ok: true, config: defaultConfig() };
  const r = await readConfigFile(file);
  return r.ok ? { ok: true, config: r.value } : { ok: false, error: r.error };
}

/** Build, start and return the daemon. Throws (after stopping what started) when a component fails. */
export async function startDaemon(opts: DaemonOptions, config: Config): Promise<Daemon> {
  const log = opts.logger;
  const t0 = performance.now();
  const registry = createRegistry();
  const daemonMetrics = defineMetrics(registry, (m) => ({
    reloads: m.counter<{ result: "ok" | "failed" }>({
      name: "magnetite_config_reloads_total",
      help: "Config reloads (SIGHUP or POST /config/reload) by outcome",
      labelNames: ["result"],
    }),
  }));
  const stateDir = resolve(opts.stateDir);
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const store = new Store({ dir: stateDir });
  const actors = createActorSystem({ onFatal: opts.onFatal, logger: log, registry });

  let current = config;
  const status: ConfigStatus = {
    file: opts.configFile ?? null,
    loaded_at: new Date().toISOString(),
    reloads_ok: 0,
    reloads_failed: 0,
    last_error: null,
  };
  const subsystems = opts.subsystems?.({ config, actors, store, logger: log }) ?? [];

  const listen = opts.api ?? config.api.listen;
  if (!isLoopback(listen.host)) {
    log.warn(
      { host: listen.host, port: listen.port },
      "API bound to a non-loopback address: anyone who can reach it can change peers, prefixes and weights",
    );
  }

  let reloading: Promise<ConfigStatus> | undefined;
  const reloadOnce = async (): Promise<ConfigStatus> => {
    const fail = (code: string, message: string, issues: string[]): ConfigStatus => {
      status.reloads_failed += 1;
      status.last_error = { at: new Date().toISOString(), code, message, issues };
      daemonMetrics.reloads.inc({ result: "failed" });
      log.error({ code, issues }, "config reload failed; keeping the config in force");
      return { ...status };
    };
    if (opts.configFile === undefined)
      return fail("CFG_E_READ", "the daemon was started without --config", []);
    const r = await readConfigFile(opts.configFile);
    if (!r.ok) return fail(r.error.code, r.error.message, r.error.issues.map(formatIssue));
    const diff = diffConfig(current, r.value);
    for (const s of subsystems) {
      try {
        await s.applyConfig?.(r.value, diff);
      } catch (e: unknown) {
        return fail("CFG_E_APPLY", `${s.name}: ${e instanceof Error ? e.message : String(e)}`, []);
      }
    }
    if (JSON.stringify(r.value.api) !== JSON.stringify(current.api)) {
      log.warn("the api section changed; it takes effect at the next restart");
    }
    current = r.value;
    status.reloads_ok += 1;
    status.loaded_at = new Date().toISOString();
    daemonMetrics.reloads.inc({ result: "ok" });
    log.info({ file: opts.configFile }, "config reloaded");
    return { ...status };
  };

  // Concurrent reloads (a SIGHUP storm, the API and a signal at once) share one run.
  const reload = (): Promise<ConfigStatus> => {
    reloading ??= reloadOnce().finally(() => {
      reloading = undefined;
    });
    return reloading;
  };

  let app: App | undefined;
  let address: ListenAddress = listen;
  let lock: StateLock | undefined;
  const storeComponent: Component = {
    name: "store",
    start: async () => {
      lock = await acquireStateLock(stateDir);
    },
    stop: async () => {
      await store.flush();
      await lock?.release();
    },
  };
  const actorComponent: Component = {
    name: "actors",
    start: async () => undefined,
    stop: async () => {
      const r = await actors.stop({ deadlineMs: 5000 });
      if (!r.clean) log.warn("actor system stopped past its deadline; some stop hooks did not run");
    },
  };
  const lifecycle = new Lifecycle([storeComponent, actorComponent, ...subsystems, apiComponent()], log);

  function apiComponent(): Component {
    return {
      name: "api",
      start: async () => {
        app = await buildApp({
          logger: log,
          bodyLimit: config.api["body-limit"],
          plugins: subsystems.flatMap((s) => (s.routes === undefined ? [] : [s.routes])),
          system: {
            version: VERSION,
            uptimeMs: () => performance.now() - t0,
            readiness: () => lifecycle.readiness(),
            actors: () => flatten(actors.tree(), null, 0, []),
            metrics: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
            configStatus: () => ({ ...status }),
            configReload: reload,
          },
        });
        await app.listen({ host: listen.host, port: listen.port });
        const bound = app.server.address();
        if (bound !== null && typeof bound === "object") address = { host: listen.host, port: bound.port };
        log.info({ host: address.host, port: address.port }, "API listening");
      },
      stop: async () => {
        await app?.close();
      },
    };
  }

  await lifecycle.start();
  log.info({ ms: Math.round(performance.now() - t0), stateDir }, "magnetite started");
  if (app === undefined) throw new Error("api component started without an app");
  const started = app;
  return {
    app: started,
    get address() {
      return address;
    },
    config: () => current,
    reload,
    stop: (deadlineMs) => lifecycle.stop(deadlineMs),
  };
}
