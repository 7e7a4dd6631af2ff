// Prometheus metrics of the server: made of the proxy's events and of the counts its parts keep.
export { createMetrics, type Metrics, type MetricsSources } from './create-metrics.js';
export { DURATION_BUCKETS_SECONDS } from './request-metrics.js';
export { OTHER_ROUTE, createRouteTemplates, type RouteTemplates } from './route-template.js';
export { createDispatcherMetrics, type DispatcherMetrics, type DispatcherMetricsSources } from './dispatcher-metrics.js';
