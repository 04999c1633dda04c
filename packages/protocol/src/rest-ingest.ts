// The REST contract of ingest (docs/API.md "Ingest"): a batch of points, each naming its metric by
// id or by name and dashboard, and the answer once the batch is committed. Re-exported by rest.ts;
// the server checks plainly valid batches by hand for speed and everything else with this schema.
import { z } from "zod";
import { seriesLabels } from "./messages.ts";

export const MAX_POINTS = 10_000;
/** A point stamped further ahead of the server's clock than this is refused (clock skew allowance). */
export const MAX_FUTURE_MS = 10 * 60_000;

// Charts, `latest` and history ranges all assume time moves forward: a point from year 9999 (or a
// seconds-vs-milliseconds mix-up) would sit at the end of every range for ever.
const pointTimestamp = z.iso
  .datetime({ offset: true })
  .refine((t) => Date.parse(t) >= 0, "timestamp before 1970-01-01 is out of range")
  .refine(
    (t) => Date.parse(t) <= Date.now() + MAX_FUTURE_MS,
    `timestamp is more than ${MAX_FUTURE_MS / 60_000} minutes ahead of the server's clock`,
  );

const point = z
  .object({
    metric_id: z.number().int().positive().optional(),
    dashboard_id: z.number().int().positive().optional(),
    metric: z.string().min(1).max(200).optional(),
    /** with `metric`: the series `metric{labels}`, created on first sight when the metric exists */
    labels: seriesLabels.optional(),
    // Zod 4 refuses NaN and ±Infinity: values must be finite.
    value: z.number(),
    timestamp: pointTimestamp.optional(),
  })
  .strict()
  .refine((p) => p.metric_id !== undefined || (p.metric !== undefined && p.dashboard_id !== undefined), {
    message: "a point needs metric_id, or metric (name) and dashboard_id",
  })
  .refine((p) => p.labels === undefined || p.metric !== undefined, {
    message: "labels name a series of `metric` (by name), not of metric_id",
    path: ["labels"],
  });

export const ingestBody = z.object({ points: z.array(point).min(1).max(MAX_POINTS) }).strict();
export const ingestAnswer = z.object({ accepted: z.number().int().nonnegative() });

export type IngestBody = z.infer<typeof ingestBody>;
export type IngestAnswer = z.infer<typeof ingestAnswer>;
