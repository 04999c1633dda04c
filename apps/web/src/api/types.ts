// Shapes of the REST answers the UI reads, as written in docs/API.md. The server does not yet
// export its schemas to the browser, so these mirror the contract document.
export type MetricType = "counter" | "gauge" | "histogram";
export type Role = "viewer" | "editor" | "owner";
export type Theme = "dark" | "light";

export type User = { id: number; username: string };
export type Me = { user: User; csrfToken: string; preferences: { theme: Theme } };
export type LoginAnswer = { user: User; csrfToken: string };

export type Metric = {
  id: number;
  dashboard_id: number;
  name: string;
  description: string | null;
  type: MetricType;
  unit: string | null;
};

export type DashboardSummary = {
  id: number;
  name: string;
  slug: string;
  description: string | null;
  created_at: string;
  role: Role;
};
export type Dashboard = DashboardSummary & { metrics: Metric[] };
export type Member = { user_id: number; username: string; role: Role };

export type WidgetType = "metric" | "system" | "activity" | "counter" | "connections" | "alerts";
export type ChartKind = "line" | "bars" | "area";
export type Widget = {
  id: string;
  type: WidgetType;
  metric_id?: number;
  chart?: ChartKind;
  x: number;
  y: number;
  w: number;
  h: number;
};

export type Point = { value: number; timestamp: string; min?: number; max?: number; count?: number };
export type ValuesAnswer = { metric_id: number; values: Point[] };

export type AlertEvent = {
  id: number;
  rule_id: number;
  metric_id: number;
  state: "firing" | "resolved";
  value: number;
  threshold: number;
  message: string;
  created_at: string;
};
