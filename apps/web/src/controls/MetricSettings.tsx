// One metric's panel, opened from its card: editors and owners rename it, change its unit and
// description, or delete it (after a confirmation); every member sees its alert rules, which
// editors manage (AlertRules). Other open pages follow through the re-announced dashboard_config.
import type { Metric } from "@pulseboard/protocol/rest";
import { type FormEvent, useState } from "react";
import { api } from "../api/http.ts";
import { AlertRules } from "./AlertRules.tsx";
import { DeleteButton } from "./DeleteButton.tsx";
import { DescriptionField, NameField } from "./NameForm.tsx";
import { OutcomeText, useOutcome } from "./outcome.tsx";
import { Panel } from "./Panel.tsx";

export function MetricSettings({
  dashboardId,
  metric,
  canEdit,
  onClose,
  onSaved,
  onDeleted,
}: {
  dashboardId: number;
  metric: Metric;
  canEdit: boolean;
  onClose: () => void;
  onSaved: (metric: Metric) => void;
  onDeleted: (metricId: number) => void;
}) {
  return (
    <Panel
      title={
        <>
          {canEdit ? "Metric settings" : "Metric"} <span className="muted">·</span>{" "}
          <span data-testid="metric-settings-name">{metric.name}</span>{" "}
          <span className={`badge type-${metric.type}`}>{metric.type}</span>
        </>
      }
      closeLabel="Close metric settings"
      onClose={onClose}
      testId="metric-settings"
      className="metric-settings"
    >
      {canEdit ? (
        <MetricForm metric={metric} onSaved={onSaved} onDeleted={onDeleted} />
      ) : (
        metric.description && <p className="muted">{metric.description}</p>
      )}
      <AlertRules dashboardId={dashboardId} metric={metric} canEdit={canEdit} />
    </Panel>
  );
}

function MetricForm({
  metric,
  onSaved,
  onDeleted,
}: {
  metric: Metric;
  onSaved: (metric: Metric) => void;
  onDeleted: (metricId: number) => void;
}) {
  const [name, setName] = useState(metric.name);
  const [unit, setUnit] = useState(metric.unit);
  const [description, setDescription] = useState(metric.description);
  const { outcome, run } = useOutcome();

  const save = async (event: FormEvent) => {
    event.preventDefault();
    await run(async () => {
      const saved = await api.patchMetric(metric.id, { name, unit, description });
      onSaved(saved);
      setName(saved.name);
    }, "Saved.");
  };
  const remove = async () => {
    const ok = await run(() => api.deleteMetric(metric.id));
    if (ok) onDeleted(metric.id);
    return ok;
  };

  return (
    <>
      <form className="inline-form" aria-label="Metric" onSubmit={save}>
        <NameField label="Name" name="settings-name" value={name} onChange={setName} />
        <label>
          Unit{" "}
          <input
            name="settings-unit"
            className="short"
            maxLength={50}
            value={unit}
            onChange={(e) => setUnit(e.target.value)}
          />
        </label>
        <DescriptionField name="settings-description" value={description} onChange={setDescription} />
        <button type="submit" className="primary">
          Save
        </button>
        <DeleteButton
          label="Delete metric…"
          onDelete={remove}
          question={
            <>
              Delete <strong>{metric.name}</strong> with its stored values, alert rules and alerts? This
              cannot be undone.
            </>
          }
        />
      </form>
      <OutcomeText outcome={outcome} />
    </>
  );
}
