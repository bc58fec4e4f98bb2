/**
 * A typed facade over prom-client (style guide rule 33). Subsystems declare
 * their metrics in one factory function and derive the catalogue type with
 * `ReturnType<>`; label objects are typed so a label can be a closed union
 * (`{ reason: DropReason }`) and a typo is a compile error. Every metric goes
 * on an explicit `Registry` owned by the daemon, never prom-client's global
 * default, so tests can build as many daemons as they like.
 */
import { Counter, Gauge, type Histogram, Registry } from "prom-client";

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
      const h = new FastHistogram<L>(cfg.name, cfg.help, cfg.labelNames, cfg.buckets);
      // The registry's contract is structural (name, help, type, get, reset); see FastHistogram.
      registry.registerMetric(h as unknown as Histogram<string>);
      return h;
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

type Series<L> = { readonly labels: L; readonly counts: Float64Array; sum: number; count: number };

/**
 * A histogram whose hot path is an array increment. prom-client's
 * `Histogram.observe` validates and hashes the label object on every call
 * (≈ a third of an actor's per-message cost in `bench/actors`); here a label
 * set is resolved once by `bind`, and the exposition values are built at
 * scrape time in the same shape prom-client's own histogram produces
 * (`_bucket{le}` cumulative, `_sum`, `_count`).
 */
class FastHistogram<L extends LabelSet> implements TypedHistogram<L> {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly bounds: readonly number[];
  private readonly series = new Map<string, Series<L>>();
  private readonly bound = new Map<string, { observe(value: number): void }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: LabelNames<L>,
    buckets: readonly number[],
  ) {
    this.bounds = [...buckets].sort((a, b) => a - b);
  }

  bind(labels: L): { observe(value: number): void } {
    // One bound observer per series, shared by every caller (ten thousand actors of a kind share one).
    const k = this.key(labels);
    const cached = this.bound.get(k);
    if (cached !== undefined) return cached;
    const s = this.seriesFor(labels);
    const bounds = this.bounds;
    const observer = {
      observe: (v: number) => {
        if (!Number.isFinite(v)) return;
        let i = 0;
        while (i < bounds.length && v > (bounds[i] as number)) i++;
        s.counts[i] = (s.counts[i] as number) + 1;
        s.sum += v;
        s.count += 1;
      },
    };
    this.bound.set(k, observer);
    return observer;
  }

  observe(labels: L, value: number): void {
    this.bind(labels).observe(value);
  }

  async count(labels: L): Promise<number> {
    return this.series.get(this.key(labels))?.count ?? 0;
  }

  /** Zero in place: bound observers keep pointing at live series. */
  reset(): void {
    for (const s of this.series.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }

  /** prom-client exposition shape, read by `Registry.metrics()`. */
  async get(): Promise<{
    name: string;
    help: string;
    type: "histogram";
    aggregator: "sum";
    values: Array<{ value: number; labels: Record<string, string | number>; metricName: string }>;
  }> {
    const values: Array<{ value: number; labels: Record<string, string | number>; metricName: string }> = [];
    for (const s of this.series.values()) {
      let acc = 0;
      this.bounds.forEach((b, i) => {
        acc += s.counts[i] as number;
        values.push({ value: acc, labels: { ...s.labels, le: b }, metricName: `${this.name}_bucket` });
      });
      values.push({ value: s.count, labels: { ...s.labels, le: "+Inf" }, metricName: `${this.name}_bucket` });
      values.push({ value: s.sum, labels: { ...s.labels }, metricName: `${this.name}_sum` });
      values.push({ value: s.count, labels: { ...s.labels }, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  private key(labels: L): string {
    return this.labelNames.map((n) => labels[n] ?? "").join("\u0000");
  }

  private seriesFor(labels: L): Series<L> {
    const k = this.key(labels);
    let s = this.series.get(k);
    if (s === undefined) {
      const copy = {} as Record<string, string>;
      for (const n of this.labelNames) copy[n] = labels[n] ?? "";
      s = {
        labels: copy as unknown as L,
        counts: new Float64Array(this.bounds.length + 1),
        sum: 0,
        count: 0,
      };
      this.series.set(k, s);
    }
    return s;
  }
}
