// Alert rules by series selector: each rule of a selector's set is one series' rule (as an alert
// instance per label set in Prometheus), the selector kept on it so that series created later
// get their rule too (alerts/selector-rules.ts).
import type { PbMigration } from "./migration.ts";

export const alertRuleSelector: PbMigration = {
  name: "012_alert_rule_selector",
  async up(db) {
    await db.schema.alterTable("alert_rules").addColumn("selector", "text").execute();
    await db.schema
      .createIndex("alert_rules_selector")
      .on("alert_rules")
      .columns(["dashboard_id", "selector"])
      .execute();
  },
};
