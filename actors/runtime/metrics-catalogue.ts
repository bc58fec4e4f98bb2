/**
 * A typed facade over prom-client (style guide rule 33). Subsystems declare
 * their metrics in one factory function and derive the catalogue type with
 * `ReturnType<>`; label objects are typed so a label can be a closed union
 * (`{ reason: DropReason }`) and a typo is a compile error. Every metric goes
 * on an explicit `Registry` owned by the daemon, never prom-client's global
 * default, so tests can build as many daemons as they like.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** A label object: label name to value. `{}` for unlabelled metrics. */
export type LabelSet = { readonly [name: string]: string };
/** The label names of a label set, as prom-client wants them. */
type LabelNames<L extends LabelSet> = ReadonlyArray<keyof L & string>;

/** A monotonically increasing counter (`…_total`). */
export interface TypedCounter<L extends LabelSet> {
  inc(labels: L, value?: number): void;
  /** Current value for one label set (0 when never incremented); for tests and `GET` endpoints. */
  value(labels: L): Promise<number>;
}

/** A gauge; `set` is usually called from a scrape-time `collect` callback. */
export interface TypedGauge<L extends LabelSet> {
  set(labels: L, value: number): void;
  inc(labels: L, value?: number): void;
  dec(labels: L, value?: number): void;
  remove(labels: L): void;
  reset(): void;
  value(labels: L): Promise<number | undefined>;
}

/** A histogram; `bind` pre-resolves a label set for hot paths. */
export interface TypedHistogram<L extends LabelSet> {
  observe(labels: L, value: number): void;
  bind(labels: L): { observe(value: number): void };
  /** Observation count for one label set; for tests. */
  count(labels: L): Promise<number>;
}

interface BaseConfig<L extends LabelSet> {
  /** `magnetite_<subsystem>_<thing>_<unit>`, `_total` for counters, `_seconds` for durations (rule 34). */
  readonly name: string;
  readonly help: string;
  readonly labelNames: LabelNames<L>;
}

/** Declares metrics on one registry. */
export interface MetricFactory {
  counter<L extends LabelSet = Record<never, string>>(cfg: BaseConfig<L>): TypedCounter<L>;
  gauge<L extends LabelSet = Record<never, string>>(
    cfg: BaseConfig<L> & {
      /** Scrape-time callback (rule 34: gauges computed at scrape time use `collect`). */
      readonly collect?: (gauge: TypedGauge<L>) => void;
    },
  ): TypedGauge<L>;
  histogram<L extends LabelSet = Record<never, string>>(
    cfg: BaseConfig<L> & { readonly buckets: readonly number[] },
  ): TypedHistogram<L>;
}

/** A fresh registry for one daemon (or one test). */
export function createRegistry(): Registry {
  return new Registry();
}

/** prom-client types labels loosely; our label sets are a subset of what it accepts. */
type PromLabels = Partial<Record<string, string | number>>;

async function seriesValue(
  metric: Counter<string> | Gauge<string>,
  labels: LabelSet,
): Promise<number | undefined> {
  const data = await metric.get();
  const keys = Object.keys(labels);
  const hit = data.values.find(
    (v) => keys.every((k) => v.labels[k] === labels[k]) && Object.keys(v.labels).length === keys.length,
  );
  return hit?.value;
}

function wrapGauge<L extends LabelSet>(g: Gauge<string>): TypedGauge<L> {
  return {
    set: (labels, value) => g.set(labels as PromLabels, value),
    inc: (labels, value = 1) => g.inc(labels as PromLabels, value),
    dec: (labels, value = 1) => g.dec(labels as PromLabels, value),
    remove: (labels) => g.remove(labels as PromLabels),
    reset: () => g.reset(),
    value: (labels) => seriesValue(g, labels),
  };
}

/** A factory that registers everything it creates on `registry`. */
export function metricFactory(registry: Registry): MetricFactory {
  return {
    counter<L extends LabelSet>(cfg: BaseConfig<L>): TypedCounter<L> {
      const c = new Counter({
        name: cfg.name,
        help: cfg.help,
        labelNames: cfg.labelNames,
        registers: [registry],
      });
      return {
        inc: (labels, value = 1) => c.inc(labels as PromLabels, value),
        value: async (labels) => (await seriesValue(c, labels)) ?? 0,
      };
    },
    gauge<L extends LabelSet>(cfg: BaseConfig<L> & { readonly collect?: (gauge: TypedGauge<L>) => void }) {
      let typed: TypedGauge<L> | undefined;
      const collect = cfg.collect;
      const g: Gauge<string> = new Gauge({
        name: cfg.name,
        help: cfg.help,
        labelNames: cfg.labelNames,
        registers: [registry],
        ...(collect === undefined
          ? {}
          : {
              collect: () => {
                if (typed !== undefined) collect(typed);
              },
            }),
      });
      typed = wrapGauge<L>(g);
      return typed;
    },
    histogram<L extends LabelSet>(cfg: BaseConfig<L> & { readonly buckets: readonly number[] }) {
      const h = new Histogram({
        name: cfg.name,
        help: cfg.help,
        labelNames: cfg.labelNames,
        buckets: [...cfg.buckets],
        registers: [registry],
      });
      return {
        observe: (labels, value) => h.observe(labels as PromLabels, value),
        bind: (labels) => h.labels(labels as PromLabels),
        count: async (labels) => {
          const data = await h.get();
          const keys = Object.keys(labels);
          const hit = data.values.find(
            (v) => v.metricName === `${cfg.name}_count` && keys.every((k) => v.labels[k] === labels[k]),
          );
          return hit?.value ?? 0;
        },
      };
    },
  };
}

/**
 * Declare a subsystem's catalogue on the daemon's registry:
 * `const m = defineMetrics(registry, (f) => ({ sent: f.counter<{ kind: PacketKind }>({ … }) }))`,
 * then `type BfdMetrics = ReturnType<typeof createBfdMetrics>`.
 */
export function defineMetrics<T>(registry: Registry, build: (factory: MetricFactory) => T): T {
  return build(metricFactory(registry));
}
