// Public surface of the collectors: what the server wires in (start functions, the point and
// sink types, the error classes for its log) and the exposition parser.
export * from "./errors.ts";
export { type ScrapeOptions, startPrometheusScrape } from "./prometheus-scrape.ts";
export { defaultSeriesOptions, type SeriesOptions } from "./prometheus-series.ts";
export { type ExpositionSample, parsePrometheusText } from "./prometheus-text.ts";
export { startSyntheticGenerator, syntheticHosts, syntheticMetrics } from "./synthetic.ts";
export { startSystemCollector, systemMetrics } from "./system.ts";
export type {
  CollectedMetric,
  CollectedPoint,
  CollectorHandle,
  ErrorHandler,
  MetricType,
  Sink,
} from "./types.ts";
