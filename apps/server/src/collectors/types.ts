// The shape every collector hands to the server: a metric description plus one value. The
// server (not the collectors) decides which dashboard a point lands in and creates the metric
// on first sight, so a point carries everything needed to create it.

import type { MetricType } from "@pulseboard/protocol";

export type { MetricType };

export type CollectedMetric = { name: string; type: MetricType; unit: string; description: string };

export type CollectedPoint = { metric: CollectedMetric; value: number; timestamp?: Date };

/** Receives one batch per collection round; a rejection is reported through `onError`. */
export type Sink = (batch: CollectedPoint[]) => Promise<void>;

export type ErrorHandler = (e: Error) => void;

export type CollectorHandle = { stop(): Promise<void> };
