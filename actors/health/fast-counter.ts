/**
 * A Prometheus counter whose hot path is one addition. prom-client's
 * `Counter.inc(labels)` builds and interns a hash string from the label
 * object on every call and then looks it up in a dictionary-mode object; with
 * a series per backend that was the largest metrics cost of a probe (measured
 * in `bench/health`: `StringTable::FindEntry` and megamorphic keyed loads
 * under `incWithoutExemplar`). Here a label set is resolved once by `bind`;
 * the backend actor keeps the bound handle for its usual outcome.
 *
 * It is registered structurally, like the runtime's `FastHistogram`
 * (`actors/runtime/metrics-catalogue.ts`): a registry only needs `name`,
 * `help`, `type`, `get` and `reset`, and `get` returns prom-client's shape.
 */
import type { Counter, Registry } from "prom-client";
import type { LabelSet, TypedCounter } from "../runtime/index.js";

type Series<L> = { readonly labels: L; value: number };

/** A bound series: `inc()` costs an addition. */
export interface BoundCounter {
  inc(value?: number): void;
}

/** A counter with pre-resolved label sets. */
export class FastCounter<L extends LabelSet> implements TypedCounter<L> {
  readonly type = "counter";
  readonly aggregator = "sum";
  private readonly series = new Map<string, Series<L>>();
  private readonly bound = new Map<string, BoundCounter>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly (keyof L & string)[],
  ) {}

  /** Create the counter and register it on `registry`. */
  static register<L extends LabelSet>(
    registry: Registry,
    cfg: { readonly name: string; readonly help: string; readonly labelNames: readonly (keyof L & string)[] },
  ): FastCounter<L> {
    const c = new FastCounter<L>(cfg.name, cfg.help, cfg.labelNames);
    registry.registerMetric(c as unknown as Counter<string>);
    return c;
  }

  /** The handle of one series, shared by every caller asking for the same labels. */
  bind(labels: L): BoundCounter {
    const k = this.key(labels);
    const cached = this.bound.get(k);
    if (cached !== undefined) return cached;
    const copy = {} as Record<string, string>;
    for (const n of this.labelNames) copy[n] = labels[n] ?? "";
    const s: Series<L> = { labels: copy as unknown as L, value: 0 };
    this.series.set(k, s);
    const handle: BoundCounter = {
      inc: (v = 1) => {
        // A counter never decreases (Prometheus data model); ignore nonsense rather than throw on a hot path.
        if (v > 0 && Number.isFinite(v)) s.value += v;
      },
    };
    this.bound.set(k, handle);
    return handle;
  }

  inc(labels: L, value = 1): void {
    this.bind(labels).inc(value);
  }

  async value(labels: L): Promise<number> {
    return this.series.get(this.key(labels))?.value ?? 0;
  }

  /** Zero in place: bound handles keep pointing at live series. */
  reset(): void {
    for (const s of this.series.values()) s.value = 0;
  }

  /** prom-client exposition shape, read by `Registry.metrics()`. */
  async get(): Promise<{
    name: string;
    help: string;
    type: "counter";
    aggregator: "sum";
    values: Array<{ value: number; labels: Record<string, string> }>;
  }> {
    const values = [...this.series.values()].map((s) => ({ value: s.value, labels: { ...s.labels } }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  private key(labels: L): string {
    return this.labelNames.map((n) => labels[n] ?? "").join("\u0000");
  }
}
