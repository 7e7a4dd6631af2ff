import { Counter, Gauge, type Registry } from 'prom-client';

/** What a component counts, read when scraped: the component keeps counting, prom-client only shows. */
interface ScrapedMetric<V> {
  readonly name: string;
  readonly help: string;
  readonly read: () => V;
}

/** A counter with the value of its source at each scrape. */
export function scrapedCounter(registry: Registry, metric: ScrapedMetric<number | Promise<number>>): void {
  new Counter({
    name: metric.name,
    help: metric.help,
    registers: [registry],
    async collect() {
      const value = await metric.read();
      this.reset();
      this.inc(Math.max(0, value));
    },
  });
}

/** A counter with one label, one series per key of what its source gives. */
export function scrapedCounterBy(registry: Registry, label: string, metric: ScrapedMetric<Readonly<Record<string, number>>>): void {
  new Counter({
    name: metric.name,
    help: metric.help,
    labelNames: [label],
    registers: [registry],
    collect() {
      this.reset();
      for (const [value, count] of Object.entries(metric.read())) this.inc({ [label]: value }, Math.max(0, count));
    },
  });
}

/** A gauge with the value of its source at each scrape (it may be read asynchronously). */
export function scrapedGauge(registry: Registry, metric: ScrapedMetric<number | Promise<number>>): void {
  new Gauge({
    name: metric.name,
    help: metric.help,
    registers: [registry],
    async collect() {
      this.set(await metric.read());
    },
  });
}
