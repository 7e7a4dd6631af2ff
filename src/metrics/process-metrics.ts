import { collectDefaultMetrics, Registry } from 'prom-client';

let processRegistry: Registry | undefined;

/**
 * prom-client's default metrics (`process_*`, `nodejs_*`, event-loop lag included) in a registry
 * of their own, made once per process: they describe the process, not one app, and making them
 * starts monitors (event-loop delay every 10 ms, a GC observer) that cannot be stopped, so every
 * app of the process (tests build many) shares them. Never prom-client's global registry.
 */
export function processMetricsRegistry(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}
