// The contract of dashboards as code: a dashboard's definition (what it is, its metrics, its
// panels and alert rules; never data, never secrets) as exported by
// `GET /dashboards/:id/definition` and applied by `PUT /definitions` (and `pulseboard apply`).
// Metrics are named, not numbered, so a definition moves between instances. The schema is
// versioned: `schema` names the version, and a reader refuses versions it does not know.
import { z } from "zod";
import { metricType } from "./messages.ts";
import { alertCondition, alertRule, createDashboardBody, patchDashboardBody, widget } from "./rest.ts";

export const DEFINITION_SCHEMA = "pulseboard/dashboard@1";

export const dashboardTags = patchDashboardBody.shape.tags.unwrap();

const definedMetric = z.strictObject({
  name: z.string().trim().min(1).max(200),
  type: metricType,
  unit: z.string().max(50).default(""),
  description: z.string().max(2000).default(""),
});

/** A panel as in the layout, with its metric named instead of numbered. */
const definedPanel = widget
  .omit({ metric_id: true })
  .extend({ metric: z.string().min(1).max(200).optional() });

const definedRule = z.strictObject({
  metric: z.string().min(1).max(200),
  condition: alertCondition,
  threshold: alertRule.shape.threshold,
  duration_s: alertRule.shape.duration_s.default(0),
  hysteresis: alertRule.shape.hysteresis.default(0),
  no_data_s: alertRule.shape.no_data_s.default(0),
  enabled: z.boolean().default(true),
  /** the selector set the rule belongs to: matching series created later get such a rule too */
  selector: alertRule.shape.selector,
});

/** Where alerts go, without the secrets (URLs with tokens, passwords stay on the instance). */
const definedContactPoint = z.looseObject({
  name: z.string().min(1).max(200),
  kind: z.string().min(1).max(50),
});

export const dashboardDefinition = z.strictObject({
  schema: z.literal(DEFINITION_SCHEMA),
  dashboard: z.strictObject({
    /** the identity of the dashboard across applies: the same slug updates, a new one creates */
    slug: z.string().min(1).max(64),
    name: createDashboardBody.shape.name,
    description: z.string().max(2000).default(""),
    tags: dashboardTags.default([]),
  }),
  metrics: z.array(definedMetric).max(1000).default([]),
  panels: z.array(definedPanel).max(500).default([]),
  alert_rules: z.array(definedRule).max(1000).default([]),
  contact_points: z.array(definedContactPoint).max(100).default([]),
});

/** What applying a definition changed (all zero, `created` false: it was already so). */
export const applyAnswer = z.object({
  dashboard_id: z.number().int().positive(),
  slug: z.string(),
  created: z.boolean(),
  metrics_created: z.number().int(),
  metrics_updated: z.number().int(),
  rules_created: z.number().int(),
  rules_deleted: z.number().int(),
  rules_updated: z.number().int(),
  layout_changed: z.boolean(),
  dashboard_changed: z.boolean(),
});

export type DashboardDefinition = z.infer<typeof dashboardDefinition>;
/** A definition as written by hand: defaults may be left out. */
export type DashboardDefinitionInput = z.input<typeof dashboardDefinition>;
export type ApplyAnswer = z.infer<typeof applyAnswer>;
